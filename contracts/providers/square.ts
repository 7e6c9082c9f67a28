import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema } from '../money.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { rejected, safeEqual, type VerifyResult } from '../verification.js';
import { readHeader, utf8 } from '../wire.js';

/**
 * Square webhooks (docs/providers.md §9): compact JSON `{merchant_id, type, event_id, created_at, data:{type, id, object}}`,
 * `x-square-hmacsha256-signature: <base64>` = HMAC-SHA256 over the notification URL the subscription is registered
 * under followed by the raw body, keyed with the subscription's signature key; no timestamp; dedupe on `event_id`; the
 * merchant's order id in the payment's `reference_id`.
 *
 * A refund shows on its payment: Square sends `payment.updated` with `refunded_money` and `refund_ids`, which carries
 * the `reference_id`; `refund.updated` names only the payment and Square's own order, so it is validated and
 * acknowledged but moves no order here.
 */
export const SQUARE_MERCHANT_ID = 'ML8M1AQ1GQG2K';
export const SQUARE_LOCATION_ID = 'LH2XR8QPGDNJ4';

const isoTimestamp = z.iso.datetime({ offset: true });
const money = z.looseObject({ amount: z.number().int().nonnegative(), currency: CurrencySchema });

export const SquarePaymentSchema = z.looseObject({
  id: z.string().min(1),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  amount_money: money,
  total_money: money,
  refunded_money: money.optional(),
  refund_ids: z.array(z.string()).optional(),
  status: z.enum(['APPROVED', 'PENDING', 'COMPLETED', 'CANCELED', 'FAILED']),
  source_type: z.string(),
  location_id: z.string(),
  order_id: z.string().optional(),
  reference_id: z.string().min(1),
  version: z.number().int().nonnegative(),
});

export const SquareRefundSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['PENDING', 'COMPLETED', 'REJECTED', 'FAILED']),
  amount_money: money,
  payment_id: z.string().min(1),
  order_id: z.string().optional(),
  location_id: z.string(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

const envelopeShape = {
  merchant_id: z.string().min(1),
  type: z.string().min(1),
  event_id: z.string().min(1),
  created_at: isoTimestamp,
};

/** Any Square event (unknown types are acknowledged and ignored). */
export const SquareEnvelopeSchema = z.looseObject({
  ...envelopeShape,
  data: z.looseObject({ type: z.string(), id: z.string() }),
});

const paymentEvent = <T extends string>(type: T) =>
  z.looseObject({
    ...envelopeShape,
    type: z.literal(type),
    data: z.looseObject({
      type: z.literal('payment'),
      id: z.string(),
      object: z.looseObject({ payment: SquarePaymentSchema }),
    }),
  });

export const SquareEventSchema = z.discriminatedUnion('type', [
  paymentEvent('payment.created'),
  paymentEvent('payment.updated'),
  z.looseObject({
    ...envelopeShape,
    type: z.literal('refund.updated'),
    data: z.looseObject({
      type: z.literal('refund'),
      id: z.string(),
      object: z.looseObject({ refund: SquareRefundSchema }),
    }),
  }),
]);
export type SquareEvent = z.infer<typeof SquareEventSchema>;

/** A Square-looking id: base62-ish characters derived from a key. */
function squareId(key: string, length: number): string {
  return createHash('sha256')
    .update(key)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
}

function uuidOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function payment(step: PaymentStep): z.infer<typeof SquarePaymentSchema> {
  const amount = { amount: step.amountMinor, currency: step.currency };
  const status = step.kind === 'pending' ? 'APPROVED' : step.kind === 'failed' ? 'FAILED' : 'COMPLETED';
  const refund = step.kind === 'refunded' ? step.refund : undefined;
  const refunded =
    step.kind === 'refunded'
      ? {
          refunded_money: { amount: refund?.cumulativeMinor ?? step.amountMinor, currency: step.currency },
          refund_ids: [`${squareId(`payment:${step.paymentKey}`, 22)}_${squareId(`refund:${refund?.key ?? ''}`, 22)}`],
        }
      : {};
  return {
    id: squareId(`payment:${step.paymentKey}`, 22),
    created_at: iso(step.createdAt - 30),
    updated_at: iso(step.createdAt),
    amount_money: amount,
    total_money: amount,
    approved_money: step.kind === 'failed' ? { amount: 0, currency: step.currency } : amount,
    ...refunded,
    status,
    delay_duration: 'PT168H',
    delay_action: 'CANCEL',
    source_type: 'CARD',
    card_details: {
      status: step.kind === 'pending' ? 'AUTHORIZED' : step.kind === 'failed' ? 'FAILED' : 'CAPTURED',
      card: { card_brand: 'VISA', last_4: '1111', exp_month: 11, exp_year: 2030, card_type: 'CREDIT' },
      entry_method: 'KEYED',
      cvv_status: 'CVV_ACCEPTED',
      avs_status: 'AVS_ACCEPTED',
    },
    location_id: SQUARE_LOCATION_ID,
    order_id: squareId(`order:${step.orderId}`, 29),
    reference_id: step.orderId,
    risk_evaluation: { created_at: iso(step.createdAt - 29), risk_level: 'NORMAL' },
    receipt_number: squareId(`payment:${step.paymentKey}`, 4),
    application_details: { square_product: 'ECOMMERCE_API', application_id: 'sandbox-sq0idb-ipn-gauntlet' },
    version: step.kind === 'pending' ? 1 : step.kind === 'refunded' ? 3 : 2,
  };
}

export function squareSignature(signatureKey: string, notificationUrl: string, body: Uint8Array): string {
  return createHmac('sha256', signatureKey).update(notificationUrl, 'utf8').update(body).digest('base64');
}

export const square = defineProvider<SquareEvent>({
  id: 'square',
  title: 'Square',
  route: 'square',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  signsNotificationUrl: true,
  secretEnv: 'SQUARE_SIGNATURE_KEY',
  orderIdField: 'data.object.payment.reference_id',
  unhandledEventType: { path: 'type', value: 'customer.created' },
  eventIdSource: 'event_id (a UUID in the body)',
  tolerance: null,
  // One copy of Square's troubleshooting page gives a 10 s acknowledgement window (docs/providers.md §9).
  timeoutMs: 10_000,
  // UNCONFIRMED: retries for up to 24 h (one doc copy; another says 72 h); intervals are not published, so backoff
  // doubling from 1 min, 24 h in all.
  retryScheduleSeconds: [60, 120, 240, 480, 960, 1_920, 3_840, 7_680, 14_400, 14_400, 14_400, 14_400],
  secret: {
    format: "the subscription's signature key as the Square Developer Console shows it",
    problem: (secret) =>
      secret.length === 0
        ? 'the signature key is empty'
        : secret.trim() !== secret
          ? 'the signature key has leading or trailing whitespace'
          : null,
    generate: (bytes) => Buffer.from(bytes).toString('base64url').slice(0, 22),
  },
  envelopeSchema: SquareEnvelopeSchema,
  eventSchema: SquareEventSchema,
  baseHeaders: {
    'content-type': 'application/json',
    'user-agent': 'Square Connect v2',
    'square-environment': 'Sandbox',
  },
  signatureHeaders: ['x-square-hmacsha256-signature'],
  malformations: {
    'hex instead of base64': (h) => ({
      ...h,
      'x-square-hmacsha256-signature': Buffer.from(h['x-square-hmacsha256-signature'] ?? '', 'base64').toString('hex'),
    }),
    'truncated signature': (h) => ({
      ...h,
      'x-square-hmacsha256-signature': (h['x-square-hmacsha256-signature'] ?? '').slice(0, -8),
    }),
    'legacy x-square-signature only': (h) => {
      const { 'x-square-hmacsha256-signature': sha256, ...rest } = h;
      return {
        ...rest,
        'x-square-signature': Buffer.from(sha256 ?? '', 'base64')
          .subarray(0, 20)
          .toString('base64'),
      };
    },
  },
  buildEvent(step) {
    if (step.kind === 'reversed' || step.kind === 'reversal_canceled') {
      throw new RangeError(`Square events here do not model ${step.kind} steps`);
    }
    const paid = payment(step);
    const eventId = uuidOf(`event:${step.eventKey}`);
    const event: SquareEvent = {
      merchant_id: SQUARE_MERCHANT_ID,
      type: step.kind === 'pending' ? 'payment.created' : 'payment.updated',
      event_id: eventId,
      created_at: iso(step.createdAt),
      data: { type: 'payment', id: paid.id, object: { payment: paid } },
    };
    return { event, eventId };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign({ body, secrets, notificationUrl }) {
    const key = secrets.at(-1) ?? '';
    return { 'x-square-hmacsha256-signature': squareSignature(key, notificationUrl ?? '', body) };
  },
  verify({ body, headers, secret, notificationUrl }): VerifyResult {
    const header = readHeader(headers, 'x-square-hmacsha256-signature');
    if (header === undefined || header === '') {
      return rejected('missing_signature', 'no x-square-hmacsha256-signature header');
    }
    if (typeof header !== 'string') {
      return rejected('malformed_signature', 'x-square-hmacsha256-signature header sent twice');
    }
    if (!/^[A-Za-z0-9+/]{43}=$/.test(header)) {
      return rejected('malformed_signature', 'x-square-hmacsha256-signature is not the base64 of 32 bytes');
    }
    if (!safeEqual(squareSignature(secret, notificationUrl ?? '', body), header)) {
      return rejected('no_matching_signature', 'the signature does not match the notification URL and payload');
    }
    return { ok: true };
  },
  eventId: (envelope) => (typeof envelope.event_id === 'string' && envelope.event_id !== '' ? envelope.event_id : null),
  toFact(event, eventId) {
    if (event.type === 'refund.updated') return null;
    const pay = event.data.object.payment;
    const base = {
      eventId,
      orderId: pay.reference_id,
      amountMinor: pay.amount_money.amount,
      currency: pay.amount_money.currency,
      occurredAt: Math.floor(Date.parse(event.created_at) / 1000),
    };
    if (pay.refunded_money !== undefined && pay.refunded_money.amount > 0) {
      return {
        ...base,
        kind: 'refunded',
        refund: { id: pay.refund_ids?.at(-1) ?? eventId, cumulativeMinor: pay.refunded_money.amount },
      };
    }
    switch (pay.status) {
      case 'APPROVED':
      case 'PENDING':
        return { ...base, kind: 'pending' };
      case 'COMPLETED':
        return { ...base, kind: 'succeeded' };
      case 'FAILED':
      case 'CANCELED':
        return { ...base, kind: 'failed' };
    }
  },
});
