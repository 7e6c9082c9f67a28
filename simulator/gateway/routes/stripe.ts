import { createHash } from 'node:crypto';
import { STRIPE_API_VERSION } from '../../../contracts/providers/stripe.js';
import {
  type GatewayAnswer,
  type GatewayContext,
  type GatewayRequest,
  type GatewayRoutes,
  jsonAnswer,
} from '../endpoint.js';
import type { LedgerRecorder } from '../ledger.js';

const ORIGINS = ['https://api.stripe.com'];
const EVENT = 'stripe.event';
const PAYMENT_INTENT = 'stripe.payment_intent';

type JsonObject = { readonly [key: string]: unknown };
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Stripe's event API, answered from what the run sent (the ledger): `GET /v1/events` → the events newest first, in
 * Stripe's list shape and pagination (reconciliation: docs/decisions/0027-stripe-event-list.md), `GET /v1/events/:id` → the event as delivered,
 * `GET /v1/payment_intents/:id` → the PaymentIntent as the newest event that carried it says. Stripe's JSON error
 * shape: 401 without a test-mode secret key (`Authorization: Bearer sk_test_…`, or the run's keys), 404
 * `resource_missing` for an id the gateway never sent.
 */
export const stripeRoutes: GatewayRoutes = (providers) =>
  providers.some((provider) => provider.id === 'stripe')
    ? [
        {
          method: 'GET',
          path: '/v1/events',
          origins: ORIGINS,
          name: 'stripe event list',
          answer: (request, context) => listEvents(request, context),
          lists: { isLaterPage: (request) => request.query.has('starting_after') },
        },
        {
          method: 'GET',
          path: '/v1/events/:id',
          origins: ORIGINS,
          name: 'stripe events',
          answer: (request, context) => lookup(request, context, EVENT, 'event'),
        },
        {
          method: 'GET',
          path: '/v1/payment_intents/:id',
          origins: ORIGINS,
          name: 'stripe payment intents',
          answer: (request, context) => lookup(request, context, PAYMENT_INTENT, 'payment_intent'),
        },
      ]
    : [];

/** Keeps each Stripe event by id (the first copy recorded: reformatted resends keep the original) and its object. */
export const recordStripeEvent: LedgerRecorder = (body, store) => {
  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return;
  }
  if (!isObject(event) || event.object !== 'event' || typeof event.id !== 'string') return;
  if (store.get(EVENT, event.id) === undefined) store.put(EVENT, event.id, event);
  const object = isObject(event.data) ? event.data.object : undefined;
  if (!isObject(object) || object.object !== 'payment_intent' || typeof object.id !== 'string') return;
  const created = typeof event.created === 'number' ? event.created : 0;
  const known = store.get(PAYMENT_INTENT, object.id);
  if (isObject(known) && typeof known.created === 'number' && known.created > created) return;
  store.put(PAYMENT_INTENT, object.id, { created, object });
};

function lookup(request: GatewayRequest, context: GatewayContext, kind: string, noun: string): GatewayAnswer {
  const headers = { 'request-id': requestId(request, kind), 'stripe-version': STRIPE_API_VERSION };
  const refusal = authenticate(request.header('authorization'), context.apiKeys);
  if (refusal !== null) return jsonAnswer(401, { error: { message: refusal, type: 'invalid_request_error' } }, headers);
  const id = request.params.id ?? '';
  const found = context.ledger.store.get(kind, id);
  const value = kind === PAYMENT_INTENT && isObject(found) ? found.object : found;
  if (value !== undefined) return jsonAnswer(200, value, headers);
  return jsonAnswer(
    404,
    {
      error: {
        code: 'resource_missing',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        message: `No such ${noun}: '${id}'`,
        param: 'id',
        type: 'invalid_request_error',
      },
    },
    headers,
  );
}

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9]+$/;

/** Stripe's message for a request it does not authenticate, or null: Bearer or Basic (key as user name), as Stripe. */
function authenticate(authorization: string | undefined, apiKeys: readonly string[]): string | null {
  const key = apiKeyOf(authorization);
  if (key === null) {
    return "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
  }
  const accepted = apiKeys.length === 0 ? TEST_KEY.test(key) : apiKeys.includes(key);
  return accepted ? null : `Invalid API Key provided: ${redacted(key)}`;
}

function apiKeyOf(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const [scheme = '', credentials = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return credentials === '' ? null : credentials;
  if (scheme.toLowerCase() === 'basic') {
    const user = Buffer.from(credentials, 'base64').toString('utf8').split(':', 1)[0] ?? '';
    return user === '' ? null : user;
  }
  return null;
}

function redacted(key: string): string {
  const prefix = /^[a-z]+_(test|live)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  return rest.length <= 4
    ? `${prefix}${'*'.repeat(rest.length)}`
    : `${prefix}${'*'.repeat(rest.length - 4)}${rest.slice(-4)}`;
}

function requestId(request: GatewayRequest, kind: string): string {
  return `req_${createHash('sha256')
    .update(`${kind}/${request.params.id ?? ''}`)
    .digest('hex')
    .slice(0, 14)}`;
}

/** Stripe keeps events for 30 days: older ones are not listed (nor retrievable, on the real API). */
const LIST_WINDOW_SECONDS = 30 * 24 * 3600;

/**
 * `GET /v1/events`: newest first (by `created`, then the later recorded first), `limit` 1–100 (default 10),
 * `starting_after` / `ending_before` an event id of the list, `created` exact or `created[gt|gte|lt|lte]`, `type`
 * (with `*` as Stripe's wildcard, `payment_intent.*`) or `types[]` (up to 20); only the last 30 days by the gateway's
 * clock. Answers `{ object: 'list', data, has_more, url }`; a bad parameter is a 400 in Stripe's error shape.
 */
function listEvents(request: GatewayRequest, context: GatewayContext): GatewayAnswer {
  const headers = { 'request-id': requestId(request, 'stripe.event.list'), 'stripe-version': STRIPE_API_VERSION };
  const refusal = authenticate(request.header('authorization'), context.apiKeys);
  if (refusal !== null) return jsonAnswer(401, { error: { message: refusal, type: 'invalid_request_error' } }, headers);
  const invalid = (param: string, message: string) =>
    jsonAnswer(400, { error: { message, param, type: 'invalid_request_error' } }, headers);
  const query = request.query;

  const limitText = query.get('limit');
  const limit = limitText === null ? 10 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return invalid('limit', `Invalid integer: ${limitText}. This value must be between 1 and 100.`);
  }
  const bounds: [string, (created: number, bound: number) => boolean][] = [
    ['created', (c, b) => c === b],
    ['created[gt]', (c, b) => c > b],
    ['created[gte]', (c, b) => c >= b],
    ['created[lt]', (c, b) => c < b],
    ['created[lte]', (c, b) => c <= b],
  ];
  const tests: ((created: number) => boolean)[] = [];
  for (const [param, holds] of bounds) {
    const value = query.get(param);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) return invalid(param, `Invalid integer: ${value}`);
    tests.push((created) => holds(created, Number(value)));
  }
  const type = query.get('type');
  // `types[]=a&types[]=b` or, as stripe-node encodes arrays, `types[0]=a&types[1]=b`.
  const types = [...query].filter(([name]) => /^types\[\d*\]$/.test(name)).map(([, value]) => value);
  if (type !== null && types.length > 0)
    return invalid('types', 'You may only specify one of these parameters: type, types.');
  if (types.length > 20) return invalid('types', 'You may pass at most 20 types.');
  const patterns = (type === null ? types : [type]).map(
    (t) => new RegExp(`^${t.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`),
  );

  const now = Math.floor(context.clock() / 1000);
  const all = context.ledger.store
    .list(EVENT)
    .filter(isObject)
    .map((event, index) => ({ event, index, created: typeof event.created === 'number' ? event.created : 0 }))
    .filter(({ created }) => created >= now - LIST_WINDOW_SECONDS)
    .filter(({ created }) => tests.every((holds) => holds(created)))
    .filter(({ event }) => patterns.length === 0 || patterns.some((p) => p.test(String(event.type))))
    .sort((a, b) => b.created - a.created || b.index - a.index)
    .map(({ event }) => event);

  const after = query.get('starting_after');
  const before = query.get('ending_before');
  if (after !== null && before !== null) {
    return invalid('starting_after', 'You may only specify one of these parameters: ending_before, starting_after.');
  }
  const cursor = after ?? before;
  const at = cursor === null ? -1 : all.findIndex((event) => event.id === cursor);
  if (cursor !== null && at === -1) {
    return invalid(after === null ? 'ending_before' : 'starting_after', `No such event: '${cursor}'`);
  }
  const page = before !== null ? all.slice(Math.max(0, at - limit), at) : all.slice(at + 1, at + 1 + limit);
  const hasMore = before !== null ? at - limit > 0 : at + 1 + limit < all.length;
  return {
    ...jsonAnswer(200, { object: 'list', data: page, has_more: hasMore, url: '/v1/events' }, headers),
    listed: page.map((event) => String(event.id)),
  };
}
