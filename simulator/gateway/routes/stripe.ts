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
 * Stripe's event API, answered from what the run sent (the ledger): `GET /v1/events/:id` → the event as delivered,
 * `GET /v1/payment_intents/:id` → the PaymentIntent as the newest event that carried it says. Stripe's JSON error
 * shape: 401 without a test-mode secret key (`Authorization: Bearer sk_test_…`, or the run's keys), 404
 * `resource_missing` for an id the gateway never sent.
 */
export const stripeRoutes: GatewayRoutes = (providers) =>
  providers.some((provider) => provider.id === 'stripe')
    ? [
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
