import { z } from 'zod';
import { CurrencySchema, DecimalAmountSchema } from './money.js';

/**
 * The probe contract, v1: three plain HTTP calls through which the harness reads a receiver's business state,
 * so a receiver in any language can take part. The reference receiver serves it at `/ipn-probe`.
 */
export const PROBE_CONTRACT_VERSION = 1;

export const OrderStatusSchema = z.enum([
  'awaiting_payment',
  'pending',
  'paid',
  'partially_refunded',
  'refunded',
  'reversed',
  'failed',
  'flagged',
  // A subscription (contracts/subscription-rule.ts): entitled, behind on payment, ended.
  'active',
  'past_due',
  'canceled',
]);
export type OrderStatus = z.infer<typeof OrderStatusSchema>;

/** `PUT {probe}/orders/{orderId}`: the merchant's order, created before any event about it. Repeating it is harmless. */
export const PutOrderBodySchema = z.object({
  amount: DecimalAmountSchema,
  currency: CurrencySchema,
});
export type PutOrderBody = z.infer<typeof PutOrderBodySchema>;

/** `GET {probe}/orders/{orderId}` → 200 with this body (extra fields allowed), 404 when unknown. */
export const OrderViewSchema = z.looseObject({
  orderId: z.string().min(1),
  status: OrderStatusSchema,
  amountPaid: DecimalAmountSchema,
  amountRefunded: DecimalAmountSchema,
  currency: CurrencySchema,
  fulfillments: z.number().int().nonnegative(),
  refunds: z.number().int().nonnegative(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

/** `GET {probe}/health` → 200 when ready. `inboxPending`, when a receiver offers it, lets the harness wait exactly. */
export const HealthSchema = z.looseObject({
  status: z.string().optional(),
  inboxPending: z.number().int().nonnegative().optional(),
});
export type Health = z.infer<typeof HealthSchema>;

/**
 * A probe changes and discloses the receiver's business state, so it is served only where enabled and only to callers
 * that present its token: `authorization: Bearer <token>` on every call. The harness reads the token from
 * `--probe-token` or this environment variable, as the reference receiver does.
 */
export const PROBE_TOKEN_ENV = 'IPN_GAUNTLET_PROBE_TOKEN';
/** The shortest probe token the reference receiver accepts. */
export const PROBE_TOKEN_MIN_LENGTH = 16;

export function probeAuthorization(token: string): string {
  return `Bearer ${token}`;
}

/** Order ids travel in URLs: keep them to a safe alphabet. */
export const OrderIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,127}$/, 'letters, digits and _ . : - (at most 127)');

/**
 * `POST {probe}/reconcile` (optional): the receiver runs one reconcile pass now — reads the gateway's event list from
 * its cursor and stores what it finds through its inbox — and answers once the events are stored (applying them may
 * follow; `inboxPending` says when that is done). 2xx: done; 503: the gateway's list could not be read and nothing
 * of the pass was kept (the harness asks again); 404 (or 405): the receiver has no such call, and the harness waits
 * for a scheduled pass instead. The harness names the provider it judges, `?provider=stripe`: a receiver that
 * reconciles several should read only that one's list (another provider's list may hold events its own run has yet to
 * deliver), and answer 404 when it does not reconcile that one; a receiver may also ignore it and read every list.
 */
export const RECONCILE_PATH = '/reconcile';
