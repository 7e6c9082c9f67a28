import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { CurrencySchema } from '../money.js';
import { defineProvider } from '../provider.js';
import { checkTimestamp, rejected, safeEqual, type VerifyResult } from '../verification.js';
import { fromUtf8, readHeader, utf8 } from '../wire.js';
import {
  PADDLE_SUBSCRIPTION_EVENT_TYPES,
  PaddleSubscriptionSchema,
  paddleSubscriptionFact,
  paddleSubscriptionFamily,
} from './paddle-subscriptions.js';
import { iso, paddleId, transaction } from './paddle-transaction.js';

/**
 * Paddle Billing webhooks (docs/providers.md §10): compact JSON events `{event_id, event_type, occurred_at, notification_id,
 * data}`, `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]`, HMAC-SHA256 hex over `${ts}:${rawBody}` keyed with the
 * notification destination's secret (`pdl_ntfset_…`), 5 s into the past (paddle-node-sdk), dedupe on `event_id`,
 * the merchant's order id in the transaction's `custom_data.order_id`.
 *
 * Refunds and chargebacks arrive as `adjustment.*` events, which name the transaction (`transaction_id`) but carry no
 * `custom_data`: a receiver finds the order through its own transaction table, which this project's order-id model
 * (the fact names the order) cannot express. They are validated and acknowledged, and move no order here.
 *
 * `buildEvent` sends one-off transactions; the `subscription` family (`paddleFamilies`, paddle-subscriptions.ts) sends a
 * subscription's events and its transactions, which carry a `subscription_id` and are read as invoices.
 */
export const PADDLE_TOLERANCE_SECONDS = 5;

const isoTimestamp = z.iso.datetime({ offset: true });
/** Paddle amounts are strings of minor units ("4999"). */
const minorString = z.string().regex(/^\d+$/, 'a string of minor units such as "4999"');

const totals = z.looseObject({
  subtotal: minorString,
  tax: minorString,
  discount: minorString,
  total: minorString,
  grand_total: minorString,
  currency_code: CurrencySchema,
});

export const PaddleTransactionSchema = z.looseObject({
  id: z.string().startsWith('txn_'),
  status: z.enum(['draft', 'ready', 'billed', 'paid', 'completed', 'canceled', 'past_due']),
  customer_id: z.string().startsWith('ctm_').nullable(),
  currency_code: CurrencySchema,
  origin: z.string(),
  subscription_id: z.string().startsWith('sub_').nullable().optional(),
  collection_mode: z.enum(['automatic', 'manual']),
  custom_data: z.looseObject({ order_id: z.string().min(1) }),
  details: z.looseObject({ totals }),
  payments: z.array(
    z.looseObject({
      payment_attempt_id: z.string().min(1),
      amount: minorString,
      status: z.enum(['authorized', 'captured', 'error', 'canceled', 'action_required', 'pending']),
      error_code: z.string().nullable(),
      created_at: isoTimestamp,
      captured_at: isoTimestamp.nullable(),
    }),
  ),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  billed_at: isoTimestamp.nullable(),
});

export const PaddleAdjustmentSchema = z.looseObject({
  id: z.string().startsWith('adj_'),
  action: z.enum(['refund', 'credit', 'chargeback', 'chargeback_reverse', 'chargeback_warning', 'credit_reverse']),
  transaction_id: z.string().startsWith('txn_'),
  currency_code: CurrencySchema,
  status: z.enum(['pending_approval', 'approved', 'rejected', 'reversed']),
  totals: z.looseObject({ total: minorString }),
});

const envelopeShape = {
  event_id: z.string().startsWith('evt_'),
  event_type: z.string().min(1),
  occurred_at: isoTimestamp,
  notification_id: z.string().startsWith('ntf_'),
};

/** Any Paddle Billing event (unknown types are acknowledged and ignored). */
export const PaddleEnvelopeSchema = z.looseObject({ ...envelopeShape, data: z.looseObject({}) });

const eventOf = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.looseObject({ ...envelopeShape, event_type: z.literal(type), data });

export const PaddleEventSchema = z.discriminatedUnion('event_type', [
  eventOf('transaction.ready', PaddleTransactionSchema),
  eventOf('transaction.completed', PaddleTransactionSchema),
  eventOf('transaction.payment_failed', PaddleTransactionSchema),
  eventOf('adjustment.created', PaddleAdjustmentSchema),
  eventOf('adjustment.updated', PaddleAdjustmentSchema),
  ...PADDLE_SUBSCRIPTION_EVENT_TYPES.map((type) => eventOf(type, PaddleSubscriptionSchema)),
]);
export type PaddleEvent = z.infer<typeof PaddleEventSchema>;

/** The families beside one-off transactions (`defaultFamily`), sent when a receiver's profile names them. */
export const paddleFamilies = { subscription: paddleSubscriptionFamily } as const;

const typeOf = {
  pending: 'transaction.ready',
  succeeded: 'transaction.completed',
  failed: 'transaction.payment_failed',
} as const;

export function paddleSignature(secret: string, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}:`, 'utf8').update(body).digest('hex');
}

/** `ts=…;h1=…[;h1=…]` → the timestamp and every h1 signature; null without a timestamp. */
export function parsePaddleSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const item of header.split(';')) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (key === 'ts') timestamp = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    else if (key === 'h1') signatures.push(value);
  }
  return Number.isSafeInteger(timestamp) ? { timestamp, signatures } : null;
}

export const paddle = defineProvider<PaddleEvent>({
  id: 'paddle',
  title: 'Paddle Billing',
  route: 'paddle',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed'],
  multipleSignatures: true,
  secretEnv: 'PADDLE_WEBHOOK_SECRET',
  orderIdField: 'data.custom_data.order_id',
  unhandledEventType: { path: 'event_type', value: 'customer.created' },
  eventIdSource: 'event_id (evt_…)',
  tolerance: { past: PADDLE_TOLERANCE_SECONDS, future: null },
  // [2nd] 5 s per attempt (hookdeck's guide; docs/providers.md §10).
  timeoutMs: 5_000,
  // UNCONFIRMED: live retries 60 times over 3 days ([2nd] hookdeck); the intervals are not published, so backoff
  // doubling from 1 min and capped at 2 h, about 3 days in all.
  retryScheduleSeconds: [60, 120, 240, 480, 960, 1_920, 3_840, ...Array.from({ length: 33 }, () => 7_200)],
  secret: {
    format: 'the notification destination secret as Paddle shows it, pdl_ntfset_…',
    problem: (secret) =>
      secret.length === 0
        ? 'the secret is empty'
        : secret.trim() !== secret
          ? 'the secret has leading or trailing whitespace'
          : !secret.startsWith('pdl_ntfset_')
            ? `it does not start with pdl_ntfset_ (${/^pdl_(live|sdbx)_apikey_/.test(secret) ? 'that is an API key, not the notification secret' : 'every Paddle notification secret does'})`
            : null,
    generate: (bytes) => `pdl_ntfset_01${Buffer.from(bytes).toString('hex').slice(0, 24)}_${base64url(bytes)}`,
  },
  envelopeSchema: PaddleEnvelopeSchema,
  eventSchema: PaddleEventSchema,
  baseHeaders: { 'content-type': 'application/json', 'user-agent': 'Paddle' },
  signatureHeaders: ['paddle-signature'],
  malformations: {
    'non-hex signature': (h) => ({ ...h, 'paddle-signature': `ts=${timestampOf(h)};h1=${'zz'.repeat(32)}` }),
    'truncated signature': (h) => ({ ...h, 'paddle-signature': (h['paddle-signature'] ?? '').slice(0, -9) }),
    'comma-separated like Stripe': (h) => ({
      ...h,
      'paddle-signature': (h['paddle-signature'] ?? '').replaceAll(';', ',').replace('ts=', 't='),
    }),
    'no timestamp': (h) => ({ ...h, 'paddle-signature': (h['paddle-signature'] ?? '').replace(/ts=\d+;?/, '') }),
  },
  tamper(body) {
    const event = JSON.parse(fromUtf8(body)) as { data?: { details?: { totals?: { grand_total?: string } } } };
    const totals = event.data?.details?.totals;
    if (totals?.grand_total === undefined) throw new Error('no grand_total to change in the Paddle body');
    totals.grand_total = String(Number(totals.grand_total) + 100);
    return utf8(JSON.stringify(event));
  },
  defaultFamily: 'transaction',
  buildEvent(step) {
    if (step.kind !== 'pending' && step.kind !== 'succeeded' && step.kind !== 'failed') {
      throw new RangeError(`Paddle events here do not model ${step.kind} steps`);
    }
    const eventId = paddleId('evt', step.eventKey);
    const event = {
      event_id: eventId,
      event_type: typeOf[step.kind],
      occurred_at: iso(step.createdAt),
      notification_id: paddleId('ntf', step.eventKey),
      data: transaction({ ...step, outcome: step.kind, key: step.paymentKey }),
    } as PaddleEvent;
    return { event, eventId };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign({ body, secrets, timestamp }) {
    const h1 = secrets.map((s) => `h1=${paddleSignature(s, timestamp, body)}`);
    return { 'paddle-signature': [`ts=${timestamp}`, ...h1].join(';') };
  },
  verify({ body, headers, secret, nowSeconds }): VerifyResult {
    const header = readHeader(headers, 'paddle-signature');
    if (header === undefined || header === '') return rejected('missing_signature', 'no Paddle-Signature header');
    if (typeof header !== 'string') return rejected('malformed_signature', 'Paddle-Signature header sent twice');
    const parsed = parsePaddleSignatureHeader(header);
    if (parsed === null) return rejected('malformed_signature', 'no ts in Paddle-Signature');
    if (parsed.signatures.length === 0) return rejected('malformed_signature', 'no h1 signature in Paddle-Signature');
    const expected = paddleSignature(secret, parsed.timestamp, body);
    if (!parsed.signatures.some((candidate) => safeEqual(expected, candidate))) {
      return rejected('no_matching_signature', 'no h1 signature matches the payload');
    }
    return checkTimestamp(parsed.timestamp, nowSeconds, { past: PADDLE_TOLERANCE_SECONDS, future: null });
  },
  eventId: (envelope) => (typeof envelope.event_id === 'string' ? envelope.event_id : null),
  toFact(event, eventId) {
    const occurredAt = Math.floor(Date.parse(event.occurred_at) / 1000);
    switch (event.event_type) {
      case 'transaction.ready':
      case 'transaction.completed':
      case 'transaction.payment_failed': {
        const txn = event.data;
        const subscription = typeof txn.subscription_id === 'string';
        // A subscription's transaction is one of its invoices: paid once completed, failed when its payment fails.
        const kind: LifecycleFact['kind'] =
          event.event_type === 'transaction.ready'
            ? 'pending'
            : event.event_type === 'transaction.completed'
              ? subscription
                ? 'invoice_paid'
                : 'succeeded'
              : subscription
                ? 'invoice_failed'
                : 'failed';
        return {
          eventId,
          occurredAt,
          kind,
          orderId: txn.custom_data.order_id,
          amountMinor: Number(txn.details.totals.grand_total),
          currency: txn.currency_code,
          ...(kind === 'invoice_paid' ? { invoice: { id: txn.id } } : {}),
        };
      }
      case 'adjustment.created':
      case 'adjustment.updated':
        return null;
      case 'subscription.created':
      case 'subscription.activated':
      case 'subscription.updated':
      case 'subscription.past_due':
      case 'subscription.canceled':
        return paddleSubscriptionFact(event, eventId);
    }
  },
});

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function timestampOf(headers: Readonly<Record<string, string>>): string {
  return /ts=(\d+)/.exec(headers['paddle-signature'] ?? '')?.[1] ?? '0';
}
