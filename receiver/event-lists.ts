import { request } from 'undici';
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
  /** The API key the list is read with (Stripe: a secret or restricted key, `sk_…` / `rk_…`). */
  readonly apiKey: string;
  readonly timeoutMs?: number;
}

/** Where each provider whose gateway lists its events serves that list live. */
export const liveApiOrigins = { stripe: 'https://api.stripe.com' } as const;
export type ListingProviderId = keyof typeof liveApiOrigins;

export function listsEvents(provider: string): provider is ListingProviderId {
  return Object.hasOwn(liveApiOrigins, provider);
}

/** The event list of a provider whose gateway has one (see `listsEvents`). */
export function eventListFor(provider: ListingProviderId, options: EventListOptions): EventList {
  switch (provider) {
    case 'stripe':
      return stripeEventList(options);
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
      let status: number;
      let text: string;
      try {
        const response = await request(url, {
          headers: { authorization: `Bearer ${options.apiKey}`, 'user-agent': 'ipn-gauntlet-reference-receiver' },
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
        throw new ListUnavailable(`the event list at ${url.origin} did not answer (${reason})`);
      }
      if (status === 401 || status === 403) {
        throw new ListUnavailable(`the gateway refused the API key (HTTP ${status}); check reconcile.apiKeys`);
      }
      if (status !== 200) throw new ListUnavailable(`the event list answered HTTP ${status}`);
      return stripePage(text);
    },
  };
}

function stripePage(text: string): ListPage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ListUnavailable('the event list answered a body that is not JSON');
  }
  const page = parsed as { data?: unknown; has_more?: unknown };
  if (!Array.isArray(page.data) || typeof page.has_more !== 'boolean') {
    throw new ListUnavailable('the event list answered something that is not a list');
  }
  const events: ListedEvent[] = [];
  for (const event of page.data as { id?: unknown; created?: unknown }[]) {
    if (typeof event.id !== 'string' || typeof event.created !== 'number') continue;
    events.push({ id: event.id, createdSeconds: event.created, body: utf8(JSON.stringify(event)) });
  }
  return { events, hasMore: page.has_more };
}
