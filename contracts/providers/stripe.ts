import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { checkTimestamp, rejected, safeEqual, type VerifyResult } from '../verification.js';
import { readHeader, utf8 } from '../wire.js';
import { stripeApiVersionReformats } from './stripe-api-versions.js';
import { checkoutFact, stripeCheckoutEventSchemas, stripeCheckoutFamily } from './stripe-checkout.js';
import { disputeFact, stripeDisputeEventSchemas, stripeDisputeFamily } from './stripe-disputes.js';
import { envelopeShape, eventOf, STRIPE_API_VERSION } from './stripe-envelope.js';
import { stripeSubscriptionEventSchemas, stripeSubscriptionFamily, subscriptionFact } from './stripe-subscriptions.js';

/**
 * Stripe webhooks: pretty-printed JSON events, `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over the bytes
 * of `${t}.` followed by the raw body's bytes (`stripeSignature`), the whole `whsec_…` secret as the key, 300 s tolerance
 * into the past only (stripe-node), dedupe on `event.id`, order id in `metadata.order_id`.
 */
export { STRIPE_API_VERSION };
export const STRIPE_TOLERANCE_SECONDS = 300;

const metadata = z.looseObject({ order_id: z.string().min(1) });

export const StripePaymentIntentSchema = z.looseObject({
  id: z.string().startsWith('pi_'),
  object: z.literal('payment_intent'),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative(),
  currency: z.string().length(3),
  status: z.enum([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'canceled',
    'succeeded',
  ]),
  created: z.number().int(),
  livemode: z.boolean(),
  latest_charge: z.string().nullable(),
  last_payment_error: z.looseObject({ code: z.string(), message: z.string(), type: z.string() }).nullable(),
  metadata,
});

export const StripeChargeSchema = z.looseObject({
  id: z.string().startsWith('ch_'),
  object: z.literal('charge'),
  amount: z.number().int().nonnegative(),
  amount_captured: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string().length(3),
  paid: z.boolean(),
  refunded: z.boolean(),
  status: z.enum(['succeeded', 'pending', 'failed']),
  payment_intent: z.string().startsWith('pi_'),
  created: z.number().int(),
  livemode: z.boolean(),
  metadata,
});

/** Any Stripe event: what a receiver validates before it stores one (unknown types are acknowledged and ignored). */
export const StripeEnvelopeSchema = z.looseObject({
  ...envelopeShape,
  data: z.looseObject({ object: z.looseObject({}) }),
});

export const StripeEventSchema = z.discriminatedUnion('type', [
  eventOf('payment_intent.processing', StripePaymentIntentSchema),
  eventOf('payment_intent.succeeded', StripePaymentIntentSchema),
  eventOf('payment_intent.payment_failed', StripePaymentIntentSchema),
  eventOf('payment_intent.canceled', StripePaymentIntentSchema),
  eventOf('charge.refunded', StripeChargeSchema),
  ...stripeCheckoutEventSchemas,
  ...stripeSubscriptionEventSchemas,
  ...stripeDisputeEventSchemas,
]);
export type StripeEvent = z.infer<typeof StripeEventSchema>;
export type StripeEventType = StripeEvent['type'];

/**
 * The event families beside the PaymentIntents `buildEvent` sends (`defaultFamily: 'payment_intent'`): Checkout
 * Sessions, subscriptions and their invoices, disputes. docs/decisions/0025-stripe-families.md says what each sends.
 * `toFact` and the schema read every family's events, whichever a run sends.
 */
export const stripeFamilies = {
  checkout: stripeCheckoutFamily,
  subscription: stripeSubscriptionFamily,
  dispute: stripeDisputeFamily,
} as const;

function paymentIntent(step: PaymentStep): z.infer<typeof StripePaymentIntentSchema> {
  const status =
    step.kind === 'pending' ? 'processing' : step.kind === 'failed' ? 'requires_payment_method' : 'succeeded';
  return {
    id: `pi_${step.paymentKey}`,
    object: 'payment_intent',
    amount: step.amountMinor,
    amount_received: step.kind === 'succeeded' ? step.amountMinor : 0,
    currency: step.currency.toLowerCase(),
    status,
    created: step.createdAt,
    livemode: false,
    latest_charge: step.kind === 'pending' ? null : `ch_${step.paymentKey}`,
    last_payment_error:
      step.kind === 'failed' ? { code: 'card_declined', message: 'Your card was declined.', type: 'card_error' } : null,
    metadata: { order_id: step.orderId },
  };
}

function charge(step: PaymentStep): z.infer<typeof StripeChargeSchema> {
  const refunded = step.refund?.cumulativeMinor ?? 0;
  return {
    id: `ch_${step.paymentKey}`,
    object: 'charge',
    amount: step.amountMinor,
    amount_captured: step.amountMinor,
    amount_refunded: refunded,
    currency: step.currency.toLowerCase(),
    paid: true,
    refunded: refunded >= step.amountMinor,
    status: 'succeeded',
    payment_intent: `pi_${step.paymentKey}`,
    created: step.createdAt,
    livemode: false,
    metadata: { order_id: step.orderId },
  };
}

const typeOf = {
  pending: 'payment_intent.processing',
  succeeded: 'payment_intent.succeeded',
  failed: 'payment_intent.payment_failed',
  refunded: 'charge.refunded',
} as const satisfies Partial<Record<PaymentStep['kind'], StripeEventType>>;

/**
 * HMAC-SHA256 over the bytes of `${timestamp}.` followed by the payload's exact bytes (a string is taken as its UTF-8).
 * Stricter than stripe-node, which decodes the raw body with a UTF-8 TextDecoder before hashing: there two bodies whose
 * invalid UTF-8 bytes differ (0xFF, 0xFE) decode to the same U+FFFD and share a signature; here they do not. For every
 * valid UTF-8 body (all that Stripe sends) the two agree, and the known-answer vectors hold either way.
 */
export function stripeSignature(payload: Uint8Array | string, secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(payload).digest('hex');
}

/** `t=…,v1=…[,v1=…]` → the timestamp and every v1 signature (other schemes ignored); null without a timestamp. */
export function parseStripeSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const key = item.slice(0, at);
    const value = item.slice(at + 1);
    if (key === 't') timestamp = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    else if (key === 'v1') signatures.push(value);
  }
  return Number.isSafeInteger(timestamp) ? { timestamp, signatures } : null;
}

export const stripe = defineProvider<StripeEvent>({
  id: 'stripe',
  title: 'Stripe',
  route: 'stripe',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: true,
  secretEnv: 'STRIPE_WEBHOOK_SECRET',
  orderIdField: 'data.object.metadata.order_id',
  unhandledEventType: { path: 'type', value: 'customer.created' },
  eventIdSource: 'event.id (evt_…)',
  tolerance: { past: STRIPE_TOLERANCE_SECONDS, future: null },
  // Stripe does not publish its per-request timeout; 10 s is a conservative default (see docs/providers.md §1.4).
  timeoutMs: 10_000,
  // Live mode resends for up to 3 days with exponential backoff; exact intervals are not published.
  retryScheduleSeconds: [60, 300, 1_800, 3_600, 7_200, 14_400, 28_800, 57_600, 86_400, 86_400],
  secret: {
    format: 'the endpoint secret as Stripe shows it, whsec_…',
    problem: (secret) =>
      secret.length === 0
        ? 'the secret is empty'
        : secret.trim() !== secret
          ? 'the secret has leading or trailing whitespace'
          : !secret.startsWith('whsec_')
            ? `it does not start with whsec_ (${/^(sk|rk|pk)_/.test(secret) ? 'that is an API key, not the endpoint secret' : 'every Stripe endpoint secret does'})`
            : null,
    generate: (bytes) => `whsec_${Buffer.from(bytes).toString('hex')}`,
  },
  envelopeSchema: StripeEnvelopeSchema,
  eventSchema: StripeEventSchema,
  baseHeaders: {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    accept: '*/*; q=0.5, application/xml',
    'cache-control': 'no-cache',
  },
  signatureHeaders: ['stripe-signature'],
  malformations: {
    'non-hex signature': (h) => ({ ...h, 'stripe-signature': `t=${timestampOf(h)},v1=${'zz'.repeat(32)}` }),
    'truncated signature': (h) => ({ ...h, 'stripe-signature': (h['stripe-signature'] ?? '').slice(0, -9) }),
    'wrong scheme (v0 only)': (h) => ({
      ...h,
      'stripe-signature': (h['stripe-signature'] ?? '').replaceAll('v1=', 'v0='),
    }),
    'no timestamp': (h) => ({
      ...h,
      'stripe-signature': (h['stripe-signature'] ?? '').replace(/t=\d+,?/, ''),
    }),
  },
  reformats: stripeApiVersionReformats,
  // The other families (stripeFamilies) are not on by default: a run sends them when the receiver's profile names them.
  defaultFamily: 'payment_intent',
  buildEvent(step) {
    if (step.kind !== 'pending' && step.kind !== 'succeeded' && step.kind !== 'failed' && step.kind !== 'refunded') {
      throw new RangeError(`Stripe events here do not model ${step.kind} steps`);
    }
    const type = typeOf[step.kind];
    const id = `evt_${step.eventKey}`;
    const object = step.kind === 'refunded' ? charge(step) : paymentIntent(step);
    const event = {
      id,
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: step.createdAt,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    } as StripeEvent;
    return { event, eventId: id };
  },
  encode: (event) => utf8(JSON.stringify(event, null, 2)),
  sign({ body, secrets, timestamp }) {
    let header = `t=${timestamp}`;
    for (const secret of secrets) header += `,v1=${stripeSignature(body, secret, timestamp)}`;
    return { 'stripe-signature': header };
  },
  verify({ body, headers, secret, nowSeconds }): VerifyResult {
    const header = readHeader(headers, 'stripe-signature');
    if (header === undefined || header === '') return rejected('missing_signature', 'no Stripe-Signature header');
    if (typeof header !== 'string') return rejected('malformed_signature', 'Stripe-Signature header sent twice');
    const parsed = parseStripeSignatureHeader(header);
    if (parsed === null) return rejected('malformed_signature', 'no timestamp in Stripe-Signature');
    if (parsed.signatures.length === 0) return rejected('malformed_signature', 'no v1 signature in Stripe-Signature');
    const expected = stripeSignature(body, secret, parsed.timestamp);
    if (!parsed.signatures.some((candidate) => safeEqual(expected, candidate))) {
      return rejected('no_matching_signature', 'no v1 signature matches the payload');
    }
    return checkTimestamp(parsed.timestamp, nowSeconds, { past: STRIPE_TOLERANCE_SECONDS, future: null });
  },
  eventId: (envelope) => (typeof envelope.id === 'string' ? envelope.id : null),
  toFact(event, eventId): LifecycleFact | null {
    const base = { eventId, occurredAt: event.created };
    switch (event.type) {
      case 'payment_intent.processing':
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled': {
        const pi = event.data.object;
        const kind =
          event.type === 'payment_intent.processing'
            ? 'pending'
            : event.type === 'payment_intent.succeeded'
              ? 'succeeded'
              : 'failed';
        const amount = kind === 'succeeded' ? pi.amount_received : pi.amount;
        return {
          ...base,
          kind,
          orderId: pi.metadata.order_id,
          amountMinor: amount,
          currency: pi.currency.toUpperCase(),
        };
      }
      case 'charge.refunded': {
        const ch = event.data.object;
        return {
          ...base,
          kind: 'refunded',
          orderId: ch.metadata.order_id,
          amountMinor: ch.amount,
          currency: ch.currency.toUpperCase(),
          refund: { id: eventId, cumulativeMinor: ch.amount_refunded },
        };
      }
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired':
        return checkoutFact(event, eventId);
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'invoice.paid':
      case 'invoice.payment_succeeded':
      case 'invoice.payment_failed':
        return subscriptionFact(event, eventId);
      case 'charge.dispute.created':
      case 'charge.dispute.closed':
        return disputeFact(event, eventId);
    }
  },
});

function timestampOf(headers: Readonly<Record<string, string>>): string {
  return /t=(\d+)/.exec(headers['stripe-signature'] ?? '')?.[1] ?? '0';
}
