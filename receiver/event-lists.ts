import { request } from 'undici';
import { type Clock, systemClock } from '../contracts/clock.js';
import { mollie } from '../contracts/providers/mollie.js';
import { MOLLIE_API_BASE } from '../contracts/providers/mollie-payment.js';
import { utf8 } from '../contracts/wire.js';
import { onOrigin } from './outbound-url.js';
import { type ListedEvent, type ListPage, type ListRequest, ListUnavailable } from './reconcile.js';

/** A gateway's list of the events it sent, as the reconciler reads it. */
export interface EventList {
  /** How long the gateway keeps events listed, seconds. */
  readonly windowSeconds: number;
  list(request: ListRequest): Promise<ListPage>;
}

export interface EventListOptions {
  /** The gateway's API origin (live: `liveApiOrigins[provider]`; under the gauntlet, the fake gateway's URL). */
  readonly gatewayUrl: string;
  /**
   * The API key the list is read with: Stripe's secret or restricted key (`sk_…` / `rk_…`); PayPal's REST app
   * credentials as `client_id:secret` (exchanged for an access token); Mollie's API key (`test_…` / `live_…`, the one
   * its webhook's fetch uses).
   */
  readonly apiKey: string;
  readonly timeoutMs?: number;
  /** When an access token runs out is read on this clock (default the system's). */
  readonly clock?: Clock;
}

/** Where each provider whose gateway lists its events serves that list live. */
export const liveApiOrigins = {
  stripe: 'https://api.stripe.com',
  'paypal-rest': 'https://api-m.paypal.com',
  mollie: MOLLIE_API_BASE,
} as const;
export type ListingProviderId = keyof typeof liveApiOrigins;

export function listsEvents(provider: string): provider is ListingProviderId {
  return Object.hasOwn(liveApiOrigins, provider);
}

/** The event list of a provider whose gateway has one (see `listsEvents`). */
export function eventListFor(provider: ListingProviderId, options: EventListOptions): EventList {
  switch (provider) {
    case 'stripe':
      return stripeEventList(options);
    case 'paypal-rest':
      return paypalEventList(options);
    case 'mollie':
      return molliePaymentList(options);
  }
}

/** One GET of the gateway's API, as the reconciler needs it: the status and the text, or `ListUnavailable`. */
async function fetchText(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  init: { readonly method?: 'GET' | 'POST'; readonly body?: string } = {},
): Promise<{ status: number; text: string }> {
  try {
    const response = await request(url, {
      method: init.method ?? 'GET',
      headers: { ...headers, 'user-agent': 'ipn-gauntlet-reference-receiver' },
      ...(init.body === undefined ? {} : { body: init.body }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: response.statusCode, text: await response.body.text() };
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new ListUnavailable(`the event list at ${url.origin} did not answer (${reason})`);
  }
}

/** The previous answer's next link, followed only on the gateway's own origin (never to another host). */
function nextLink(href: string, origin: string, noun: string): URL {
  const url = URL.canParse(href) ? new URL(href) : null;
  if (url === null || url.origin !== origin)
    throw new ListUnavailable(`the ${noun}'s next link leaves ${origin}; not followed`);
  return url;
}

function refusedKey(status: number): ListUnavailable {
  return new ListUnavailable(`the gateway refused the API key (HTTP ${status}); check reconcile.apiKeys`);
}

/** PayPal keeps events listed for 30 days (UNCONFIRMED: not published; the same as Stripe's). */
const PAYPAL_WINDOW_SECONDS = 30 * 24 * 3600;
/** The largest page asked for (PayPal publishes no bound; the fake gateway serves up to 300). */
const PAYPAL_PAGE_SIZE = 300;

/**
 * PayPal REST's `GET /v1/notifications/webhooks-events`, with an access token from `POST /v1/oauth2/token` (client
 * credentials, kept until it expires): newest first, `start_time` the window's start, the next page by following the
 * answer's `next` link as given — only when it stays on the gateway's origin, never to another host.
 */
function paypalEventList(options: EventListOptions): EventList {
  const timeout = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? systemClock;
  const origin = new URL(options.gatewayUrl).origin;
  let token: { value: string; until: number } | null = null;
  const accessToken = async (): Promise<string> => {
    if (token !== null && token.until > clock()) return token.value;
    const url = onOrigin(new URL(origin), '/v1/oauth2/token');
    if (url === null) throw new ListUnavailable(`no token endpoint at ${origin}`);
    const basic = Buffer.from(options.apiKey).toString('base64');
    const answer = await fetchText(
      url,
      { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      timeout,
      { method: 'POST', body: 'grant_type=client_credentials' },
    );
    if (answer.status === 401 || answer.status === 403) throw refusedKey(answer.status);
    const parsed = parseJsonText(answer.text) as { access_token?: unknown; expires_in?: unknown } | null;
    if (answer.status !== 200 || typeof parsed?.access_token !== 'string') {
      throw new ListUnavailable(`the token endpoint answered HTTP ${answer.status}`);
    }
    const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 300;
    token = { value: parsed.access_token, until: clock() + Math.max(0, seconds - 60) * 1000 };
    return token.value;
  };
  return {
    windowSeconds: PAYPAL_WINDOW_SECONDS,
    async list(page) {
      let url: URL | null;
      if (page.after !== undefined) {
        url = nextLink(page.after, origin, 'event list');
      } else {
        const query = new URLSearchParams({ page_size: String(Math.min(page.limit, PAYPAL_PAGE_SIZE)) });
        if (page.sinceSeconds !== undefined) {
          query.set('start_time', new Date(Math.max(0, page.sinceSeconds) * 1000).toISOString());
        }
        url = onOrigin(new URL(origin), '/v1/notifications/webhooks-events', `?${query}`);
        if (url === null) throw new ListUnavailable(`no event list at ${origin}`);
      }
      const answer = await fetchText(url, { authorization: `Bearer ${await accessToken()}` }, timeout);
      if (answer.status === 401 || answer.status === 403) {
        token = null;
        throw refusedKey(answer.status);
      }
      if (answer.status !== 200) throw new ListUnavailable(`the event list answered HTTP ${answer.status}`);
      return paypalPage(answer.text);
    },
  };
}

function paypalPage(text: string): ListPage {
  const page = parseJsonText(text) as { events?: unknown; links?: unknown } | null;
  if (page === null || !Array.isArray(page.events)) {
    throw new ListUnavailable('the event list answered something that is not a list');
  }
  const events: ListedEvent[] = [];
  for (const event of page.events as { id?: unknown; create_time?: unknown }[]) {
    const at = typeof event.create_time === 'string' ? Date.parse(event.create_time) : Number.NaN;
    if (typeof event.id !== 'string' || !Number.isFinite(at)) continue;
    events.push({ id: event.id, createdSeconds: Math.floor(at / 1000), body: utf8(JSON.stringify(event)) });
  }
  const links = Array.isArray(page.links) ? (page.links as { rel?: unknown; href?: unknown }[]) : [];
  const next = links.find((l) => l.rel === 'next' && typeof l.href === 'string')?.href as string | undefined;
  return { events, hasMore: next !== undefined, ...(next === undefined ? {} : { next }) };
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const STRIPE_WINDOW_SECONDS = 30 * 24 * 3600;

/**
 * Stripe's `GET /v1/events`: newest first, `limit` (at most 100), `starting_after` the last id read, `created[gte]`
 * the window's start. Each event is stored as compact JSON, the form the webhook delivers it in.
 */
function stripeEventList(options: EventListOptions): EventList {
  const timeout = options.timeoutMs ?? 10_000;
  return {
    windowSeconds: STRIPE_WINDOW_SECONDS,
    async list(page) {
      const query = new URLSearchParams({ limit: String(page.limit) });
      if (page.after !== undefined) query.set('starting_after', page.after);
      if (page.sinceSeconds !== undefined) query.set('created[gte]', String(Math.max(0, page.sinceSeconds)));
      const url = onOrigin(new URL(options.gatewayUrl), '/v1/events', `?${query}`);
      if (url === null) throw new ListUnavailable(`no event list at ${options.gatewayUrl}`);
      const { status, text } = await fetchText(url, { authorization: `Bearer ${options.apiKey}` }, timeout);
      if (status === 401 || status === 403) throw refusedKey(status);
      if (status !== 200) throw new ListUnavailable(`the event list answered HTTP ${status}`);
      return stripePage(text);
    },
  };
}

function stripePage(text: string): ListPage {
  const page = parseJsonText(text) as { data?: unknown; has_more?: unknown } | null;
  if (page === null || !Array.isArray(page.data) || typeof page.has_more !== 'boolean') {
    throw new ListUnavailable('the event list answered something that is not a list');
  }
  const events: ListedEvent[] = [];
  for (const event of page.data as { id?: unknown; created?: unknown }[]) {
    if (typeof event.id !== 'string' || typeof event.created !== 'number') continue;
    events.push({ id: event.id, createdSeconds: event.created, body: utf8(JSON.stringify(event)) });
  }
  return { events, hasMore: page.has_more };
}

/** The largest page Mollie's lists give. */
const MOLLIE_PAGE_SIZE = 250;

/**
 * Mollie's `GET /v2/payments` with the API key as a Bearer token: payments newest first, the next page by following
 * `_links.next` (on the gateway's own origin only). Mollie keeps every payment listed and takes no time filter, so a
 * page stops the pass where it reaches payments created before `sinceSeconds`. Each payment is the event, stored under
 * the identity its webhook's fetch gives it (payment id + status + amount refunded) and as the fetch answers it.
 */
function molliePaymentList(options: EventListOptions): EventList {
  const timeout = options.timeoutMs ?? 10_000;
  const origin = new URL(options.gatewayUrl).origin;
  return {
    windowSeconds: Number.POSITIVE_INFINITY,
    async list(page) {
      let url: URL | null;
      if (page.after !== undefined) {
        url = nextLink(page.after, origin, 'payment list');
      } else {
        const query = new URLSearchParams({ limit: String(Math.min(page.limit, MOLLIE_PAGE_SIZE)) });
        url = onOrigin(new URL(origin), '/v2/payments', `?${query}`);
        if (url === null) throw new ListUnavailable(`no payment list at ${origin}`);
      }
      const answer = await fetchText(
        url,
        { authorization: `Bearer ${options.apiKey}`, accept: 'application/hal+json' },
        timeout,
      );
      if (answer.status === 401 || answer.status === 403) throw refusedKey(answer.status);
      if (answer.status !== 200) throw new ListUnavailable(`the payment list answered HTTP ${answer.status}`);
      return molliePage(answer.text, page.sinceSeconds);
    },
  };
}

function molliePage(text: string, sinceSeconds: number | undefined): ListPage {
  const page = parseJsonText(text) as { _embedded?: { payments?: unknown }; _links?: { next?: unknown } } | null;
  const payments = page?._embedded?.payments;
  if (page === null || !Array.isArray(payments)) {
    throw new ListUnavailable('the payment list answered something that is not a list');
  }
  const events: ListedEvent[] = [];
  let older = false;
  for (const payment of payments as { [key: string]: unknown }[]) {
    const at = typeof payment.createdAt === 'string' ? Date.parse(payment.createdAt) : Number.NaN;
    const id = mollie.eventId(payment, {});
    if (id === null || !Number.isFinite(at)) continue;
    const createdSeconds = Math.floor(at / 1000);
    if (sinceSeconds !== undefined && createdSeconds < sinceSeconds) {
      older = true;
      continue;
    }
    events.push({ id, createdSeconds, body: utf8(JSON.stringify(payment)) });
  }
  const next = (page._links?.next as { href?: unknown } | null | undefined)?.href;
  const more = typeof next === 'string' && !older;
  return { events, hasMore: more, ...(more ? { next } : {}) };
}
