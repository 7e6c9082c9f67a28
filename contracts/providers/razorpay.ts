import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema } from '../money.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { rejected, safeEqual, type VerifyResult } from '../verification.js';
import { readHeader, utf8 } from '../wire.js';

/**
 * Razorpay webhooks (docs/providers.md §11): compact JSON `{entity:"event", account_id, event, contains, payload,
 * created_at}`, `X-Razorpay-Signature: <hex>` = HMAC-SHA256 of the raw body keyed with the webhook's own secret (not
 * the API key secret), no timestamp, dedupe on the `x-razorpay-event-id` header (UNCONFIRMED: third-party docs only),
 * the merchant's order id in the payment's `notes.order_id` (the payment's `order_id` is Razorpay's own `order_…`).
 */
const notes = z.looseObject({ order_id: z.string().min(1) });

export const RazorpayPaymentSchema = z.looseObject({
  id: z.string().startsWith('pay_'),
  entity: z.literal('payment'),
  amount: z.number().int().nonnegative(),
  currency: CurrencySchema,
  status: z.enum(['created', 'authorized', 'captured', 'refunded', 'failed']),
  order_id: z.string().startsWith('order_').nullable(),
  method: z.string(),
  amount_refunded: z.number().int().nonnegative(),
  refund_status: z.enum(['partial', 'full']).nullable(),
  captured: z.boolean(),
  notes,
  error_code: z.string().nullable(),
  error_description: z.string().nullable(),
  created_at: z.number().int(),
});

export const RazorpayRefundSchema = z.looseObject({
  id: z.string().startsWith('rfnd_'),
  entity: z.literal('refund'),
  amount: z.number().int().positive(),
  currency: CurrencySchema,
  payment_id: z.string().startsWith('pay_'),
  status: z.enum(['pending', 'processed', 'failed']),
  created_at: z.number().int(),
});

const envelopeShape = {
  entity: z.literal('event'),
  account_id: z.string().startsWith('acc_'),
  event: z.string().min(1),
  contains: z.array(z.string()),
  created_at: z.number().int(),
};

/** Any Razorpay event (unknown types are acknowledged and ignored). */
export const RazorpayEnvelopeSchema = z.looseObject({ ...envelopeShape, payload: z.looseObject({}) });

const paymentEvent = <T extends string>(type: T) =>
  z.looseObject({
    ...envelopeShape,
    event: z.literal(type),
    payload: z.looseObject({ payment: z.looseObject({ entity: RazorpayPaymentSchema }) }),
  });

export const RazorpayEventSchema = z.discriminatedUnion('event', [
  paymentEvent('payment.authorized'),
  paymentEvent('payment.captured'),
  paymentEvent('payment.failed'),
  z.looseObject({
    ...envelopeShape,
    event: z.literal('refund.processed'),
    payload: z.looseObject({
      refund: z.looseObject({ entity: RazorpayRefundSchema }),
      payment: z.looseObject({ entity: RazorpayPaymentSchema }),
    }),
  }),
]);
export type RazorpayEvent = z.infer<typeof RazorpayEventSchema>;

/** A Razorpay-looking id: prefix + 14 base62-ish characters derived from a key. */
function razorpayId(prefix: string, key: string): string {
  const digest = createHash('sha256')
    .update(key)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  return `${prefix}_${digest.slice(0, 14)}`;
}

const ACCOUNT_ID = 'acc_IpnGauntletDemo';

function payment(step: PaymentStep): z.infer<typeof RazorpayPaymentSchema> {
  const refunded = step.kind === 'refunded' ? (step.refund?.cumulativeMinor ?? step.amountMinor) : 0;
  const status =
    step.kind === 'pending'
      ? 'authorized'
      : step.kind === 'failed'
        ? 'failed'
        : refunded >= step.amountMinor
          ? 'refunded'
          : 'captured';
  return {
    id: razorpayId('pay', step.paymentKey),
    entity: 'payment',
    amount: step.amountMinor,
    currency: step.currency,
    status,
    order_id: razorpayId('order', step.orderId),
    invoice_id: null,
    international: false,
    method: 'card',
    amount_refunded: refunded,
    refund_status: refunded === 0 ? null : refunded >= step.amountMinor ? 'full' : 'partial',
    captured: step.kind === 'succeeded' || step.kind === 'refunded',
    description: `Order ${step.orderId}`,
    card_id: razorpayId('card', step.paymentKey),
    bank: null,
    wallet: null,
    vpa: null,
    email: 'buyer@example.com',
    contact: '+919000090000',
    notes: { order_id: step.orderId },
    fee: step.kind === 'pending' || step.kind === 'failed' ? null : Math.round(step.amountMinor * 0.02),
    tax: step.kind === 'pending' || step.kind === 'failed' ? null : Math.round(step.amountMinor * 0.0036),
    error_code: step.kind === 'failed' ? 'BAD_REQUEST_ERROR' : null,
    error_description: step.kind === 'failed' ? 'Payment processing failed because of incorrect OTP' : null,
    error_source: step.kind === 'failed' ? 'customer' : null,
    error_step: step.kind === 'failed' ? 'payment_authentication' : null,
    error_reason: step.kind === 'failed' ? 'incorrect_otp' : null,
    acquirer_data: { auth_code: step.kind === 'failed' ? null : '828553' },
    created_at: step.createdAt - 30,
  };
}

const typeOf = {
  pending: 'payment.authorized',
  succeeded: 'payment.captured',
  failed: 'payment.failed',
} as const;

export function razorpaySignature(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export const razorpay = defineProvider<RazorpayEvent>({
  id: 'razorpay',
  title: 'Razorpay',
  route: 'razorpay',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'RAZORPAY_WEBHOOK_SECRET',
  orderIdField: 'payload.payment.entity.notes.order_id',
  unhandledEventType: { path: 'event', value: 'payment.downtime.started' },
  eventIdSource: 'the x-razorpay-event-id header, identical across retries (UNCONFIRMED)',
  tolerance: null,
  // UNCONFIRMED: Razorpay documents no per-request timeout; 5 s is the conservative default used here.
  timeoutMs: 5_000,
  // Exponential backoff for 24 h from the event's creation, then the webhook is disabled (docs/providers.md §11); the
  // intervals themselves are UNCONFIRMED: doubling from 1 min, 24 h in all.
  retryScheduleSeconds: [60, 120, 240, 480, 960, 1_920, 3_840, 7_680, 14_400, 14_400, 14_400, 14_400],
  secret: {
    format: 'the secret you typed when creating the webhook (not the API key secret)',
    problem: (secret) =>
      secret.length === 0
        ? 'the secret is empty'
        : secret.trim() !== secret
          ? 'the secret has leading or trailing whitespace'
          : secret.startsWith('rzp_')
            ? 'this looks like an API key (rzp_…); use the webhook secret set on the webhook'
            : null,
    generate: (bytes) => Buffer.from(bytes).toString('base64url'),
  },
  envelopeSchema: RazorpayEnvelopeSchema,
  eventSchema: RazorpayEventSchema,
  baseHeaders: { 'content-type': 'application/json', 'user-agent': 'Razorpay-Webhook/v1' },
  signatureHeaders: ['x-razorpay-signature'],
  malformations: {
    'non-hex signature': (h) => ({ ...h, 'x-razorpay-signature': 'zz'.repeat(32) }),
    'truncated signature': (h) => ({ ...h, 'x-razorpay-signature': (h['x-razorpay-signature'] ?? '').slice(0, -9) }),
    'base64 instead of hex': (h) => ({
      ...h,
      'x-razorpay-signature': Buffer.from(h['x-razorpay-signature'] ?? '', 'hex').toString('base64'),
    }),
    'sha256= prefix': (h) => ({ ...h, 'x-razorpay-signature': `sha256=${h['x-razorpay-signature'] ?? ''}` }),
  },
  buildEvent(step) {
    if (step.kind === 'reversed' || step.kind === 'reversal_canceled') {
      throw new RangeError(`Razorpay events here do not model ${step.kind} steps`);
    }
    const eventId = razorpayId('evt', step.eventKey);
    const base = { entity: 'event', account_id: ACCOUNT_ID, created_at: step.createdAt } as const;
    if (step.kind === 'refunded') {
      const refund = step.refund ?? { key: step.eventKey, amountMinor: step.amountMinor, cumulativeMinor: 0 };
      const paid = payment(step);
      const event: RazorpayEvent = {
        ...base,
        event: 'refund.processed',
        contains: ['refund', 'payment'],
        payload: {
          refund: {
            entity: {
              id: razorpayId('rfnd', refund.key),
              entity: 'refund',
              amount: refund.amountMinor,
              currency: step.currency,
              payment_id: paid.id,
              notes: {},
              receipt: null,
              acquirer_data: { arn: null },
              created_at: step.createdAt,
              batch_id: null,
              status: 'processed',
              speed_processed: 'normal',
              speed_requested: 'normal',
            },
          },
          payment: { entity: paid },
        },
      };
      return { event, eventId };
    }
    const event: RazorpayEvent = {
      ...base,
      event: typeOf[step.kind],
      contains: ['payment'],
      payload: { payment: { entity: payment(step) } },
    };
    return { event, eventId };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign({ body, secrets, eventId }) {
    // One signature per delivery: during a secret change, Razorpay signs with whichever secret the event was sent under.
    const secret = secrets.at(-1) ?? '';
    return { 'x-razorpay-signature': razorpaySignature(secret, body), 'x-razorpay-event-id': eventId };
  },
  verify({ body, headers, secret }): VerifyResult {
    const header = readHeader(headers, 'x-razorpay-signature');
    if (header === undefined || header === '') return rejected('missing_signature', 'no X-Razorpay-Signature header');
    if (typeof header !== 'string') return rejected('malformed_signature', 'X-Razorpay-Signature header sent twice');
    if (!/^[0-9a-f]{64}$/.test(header)) {
      return rejected('malformed_signature', 'X-Razorpay-Signature is not 64 lower-case hex digits');
    }
    if (!safeEqual(razorpaySignature(secret, body), header)) {
      return rejected('no_matching_signature', 'the signature does not match the payload');
    }
    return { ok: true };
  },
  eventId: (_envelope, headers) => {
    const id = readHeader(headers, 'x-razorpay-event-id');
    return typeof id === 'string' && id.length > 0 ? id : null;
  },
  toFact(event, eventId) {
    const pay = event.payload.payment.entity;
    const base = {
      eventId,
      orderId: pay.notes.order_id,
      amountMinor: pay.amount,
      currency: pay.currency,
      occurredAt: event.created_at,
    };
    switch (event.event) {
      case 'payment.authorized':
        return { ...base, kind: 'pending' };
      case 'payment.captured':
        return { ...base, kind: 'succeeded' };
      case 'payment.failed':
        return { ...base, kind: 'failed' };
      case 'refund.processed': {
        const refund = event.payload.refund.entity;
        return {
          ...base,
          kind: 'refunded',
          refund: { id: refund.id, amountMinor: refund.amount, cumulativeMinor: pay.amount_refunded },
        };
      }
    }
  },
});
