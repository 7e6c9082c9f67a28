import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { formatMinor } from '../money.js';
import type { PaymentStep } from '../provider.js';

/**
 * The fake Mollie's payment ids and payment objects. Its gateway is stateless, as the PayPal postback is: a payment id
 * carries the payment's state as of the webhook that named it (order, amount, status, refunds, time) and a MAC, so any
 * gateway process answers `GET /v2/payments/{id}` the same, and an id it never issued (no valid MAC) is a 404.
 * A real Mollie id (`tr_WDqYK6vllg`) is stable for a payment and a fetch returns its current state; a receiver must
 * assume neither (docs/decisions/0019-mollie-fetch.md).
 */
const ID_KEY = 'ipn-gauntlet fake Mollie payment ids';
const MAC_LENGTH = 16;
export const MOLLIE_API_BASE = 'https://api.mollie.com';
export const MOLLIE_ID_PATTERN = /^tr_[A-Za-z0-9_-]{1,2048}$/;

export const MollieStatusSchema = z.enum(['open', 'pending', 'authorized', 'paid', 'failed', 'canceled', 'expired']);
export type MollieStatus = z.infer<typeof MollieStatusSchema>;

/** What an id carries: the payment's state when the webhook naming it was sent. */
const IdStateSchema = z.object({
  o: z.string().min(1),
  a: z.number().int().nonnegative(),
  c: z.string().regex(/^[A-Z]{3}$/),
  s: MollieStatusSchema,
  t: z.number().int(),
  r: z.number().int().nonnegative(),
  f: z.object({ i: z.string().min(1), a: z.number().int().positive() }).optional(),
});
type IdState = z.infer<typeof IdStateSchema>;

function mac(payload: string): string {
  return createHmac('sha256', ID_KEY).update(payload).digest('base64url').slice(0, MAC_LENGTH);
}

function shortHash(text: string, length: number): string {
  return createHmac('sha256', ID_KEY).update(text).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

export function mollieStatusOf(step: PaymentStep): MollieStatus {
  switch (step.kind) {
    case 'pending':
      return 'pending';
    case 'failed':
      return 'failed';
    default:
      return 'paid';
  }
}

/** The id of a payment in the state a step leaves it in. */
export function molliePaymentId(step: PaymentStep): string {
  const state: IdState = {
    o: step.orderId,
    a: step.amountMinor,
    c: step.currency.toUpperCase(),
    s: mollieStatusOf(step),
    t: step.createdAt,
    r: step.kind === 'refunded' ? (step.refund?.cumulativeMinor ?? step.amountMinor) : 0,
    ...(step.kind === 'refunded'
      ? { f: { i: step.refund?.key ?? step.eventKey, a: step.refund?.amountMinor ?? step.amountMinor } }
      : {}),
  };
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `tr_${payload}${mac(payload)}`;
}

/** The state an id carries, or null for an id the fake gateway never issued. */
function stateOf(id: string): IdState | null {
  if (!MOLLIE_ID_PATTERN.test(id)) return null;
  const rest = id.slice(3);
  const payload = rest.slice(0, -MAC_LENGTH);
  if (payload === '' || mac(payload) !== rest.slice(-MAC_LENGTH)) return null;
  try {
    const parsed = IdStateSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', '+00:00');
const money = (minor: number, currency: string) => ({ value: formatMinor(minor, currency), currency });

/** The payment object as Mollie's `GET /v2/payments/{id}` answers it, for an id the gateway issued; else null. */
export function molliePayment(id: string): MolliePaymentObject | null {
  const state = stateOf(id);
  if (state === null) return null;
  const { o: orderId, a, c, s: status, t } = state;
  const paid = status === 'paid';
  const self = `${MOLLIE_API_BASE}/v2/payments/${id}`;
  return {
    resource: 'payment',
    id,
    mode: 'test',
    createdAt: iso(t),
    amount: money(a, c),
    description: `Order ${orderId}`,
    method: 'ideal',
    metadata: { order_id: orderId },
    status,
    ...(paid
      ? {
          paidAt: iso(t),
          amountRefunded: money(state.r, c),
          amountRemaining: money(a - state.r, c),
          settlementAmount: money(a, c),
        }
      : {}),
    ...(status === 'failed' ? { failedAt: iso(t) } : {}),
    ...(status === 'pending' || status === 'open' ? { expiresAt: iso(t + 900) } : {}),
    profileId: `pfl_${shortHash(`profile:${c}`, 10)}`,
    sequenceType: 'oneoff',
    redirectUrl: `https://shop.example.com/orders/${encodeURIComponent(orderId)}`,
    webhookUrl: 'https://shop.example.com/webhooks/mollie',
    ...(state.f === undefined
      ? {}
      : {
          _embedded: {
            refunds: [
              {
                resource: 'refund',
                id: `re_${shortHash(`refund:${state.f.i}`, 10)}`,
                amount: money(state.f.a, c),
                status: 'refunded',
                createdAt: iso(t),
                paymentId: id,
              },
            ],
          },
        }),
    _links: {
      self: { href: self, type: 'application/hal+json' },
      dashboard: { href: `https://my.mollie.com/dashboard/payments/${id}`, type: 'text/html' },
      documentation: { href: 'https://docs.mollie.com/reference/get-payment', type: 'text/html' },
    },
  };
}

const text = z.string();
const AmountSchema = z.looseObject({ value: text.regex(/^\d+(\.\d+)?$/), currency: text.regex(/^[A-Z]{3}$/) });
const TimeSchema = text.refine((value) => !Number.isNaN(Date.parse(value)), 'an ISO 8601 time');

/** Any payment object the API answers: what a receiver validates before it stores one. */
export const MolliePaymentEnvelopeSchema = z.looseObject({
  resource: z.literal('payment'),
  id: text.regex(MOLLIE_ID_PATTERN),
  status: text.min(1),
});

/** The payment objects this project models (amounts as decimal strings, as Mollie sends them). */
export const MolliePaymentSchema = z.looseObject({
  resource: z.literal('payment'),
  id: text.regex(MOLLIE_ID_PATTERN),
  createdAt: TimeSchema,
  amount: AmountSchema,
  metadata: z.looseObject({ order_id: text.min(1) }),
  status: MollieStatusSchema,
  paidAt: TimeSchema.optional(),
  failedAt: TimeSchema.optional(),
  canceledAt: TimeSchema.optional(),
  expiredAt: TimeSchema.optional(),
  amountRefunded: AmountSchema.optional(),
  _embedded: z
    .looseObject({
      refunds: z.array(z.looseObject({ id: text.min(1), amount: AmountSchema, createdAt: TimeSchema })).optional(),
    })
    .optional(),
});
export type MolliePaymentObject = z.infer<typeof MolliePaymentSchema>;
