import { z } from 'zod';
import { formatMinor } from './money.js';
import type { OrderStatus, OrderView } from './probe.js';
import { deriveSubscriptionState, isSubscriptionFact } from './subscription-rule.js';

/**
 * The order-lifecycle rule, shared by every provider: given the set of an order's events (as provider-neutral facts),
 * what a correct receiver shows. It depends only on the set, never on arrival order:
 * - a payment that succeeded for the order's exact amount and currency makes it `paid` and is fulfilled once;
 * - a successful payment whose amount or currency differs makes it `flagged`, and is never fulfilled;
 * - refunds accumulate: `amountRefunded` is the larger of the highest cumulative refund the gateway reported and the sum
 *   of the distinct refunds' own amounts (gateways report one or the other); one refund side effect per distinct refund;
 *   refunded in full → `refunded`, in part → `partially_refunded`;
 * - a paid order whose newest reversal event (chargeback) is not cancelled is `reversed` (it stays fulfilled once);
 * - without a success, the newest of the pending/failed events (by the gateway's event time) decides: stale events never
 *   move an order backwards.
 */
export const FactKindSchema = z.enum([
  'pending',
  'succeeded',
  'failed',
  'refunded',
  'reversed',
  'reversal_canceled',
  // A subscription's facts (contracts/subscription-rule.ts): its status as the gateway reported it, invoices paid or not.
  'subscription_status',
  'invoice_paid',
  'invoice_failed',
]);
export type FactKind = z.infer<typeof FactKindSchema>;
/** The kinds of a payment's life (the ones every provider's `buildEvent` expresses some of). */
export type PaymentFactKind = Exclude<FactKind, 'subscription_status' | 'invoice_paid' | 'invoice_failed'>;

export const LifecycleFactSchema = z.object({
  /** The provider's event identity (what a receiver deduplicates on). */
  eventId: z.string().min(1),
  orderId: z.string().min(1),
  kind: FactKindSchema,
  /** Amount of the payment, in minor units. */
  amountMinor: z.number().int(),
  currency: z.string().length(3),
  /** The gateway's event time, unix seconds. */
  occurredAt: z.number().int(),
  /**
   * For `refunded`: this refund's identity, and this refund's own amount and/or the cumulative amount refunded on the
   * payment so far (at least one of the two).
   */
  refund: z
    .object({
      id: z.string().min(1),
      amountMinor: z.number().int().positive().optional(),
      cumulativeMinor: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** For `subscription_status`: the subscription and the status the event reports. */
  subscription: z
    .object({
      id: z.string().min(1),
      status: z.enum(['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'canceled']),
    })
    .optional(),
  /** For `invoice_paid` / `invoice_failed`: the invoice (its amount is `amountMinor`). */
  invoice: z.object({ id: z.string().min(1) }).optional(),
});
export type LifecycleFact = z.infer<typeof LifecycleFactSchema>;

export interface OrderTerms {
  orderId: string;
  amountMinor: number;
  currency: string;
}

/** The expected state in minor units; `toOrderView` renders it the way the probe contract does. */
export interface ExpectedOrderState {
  orderId: string;
  status: OrderStatus;
  currency: string;
  amountPaidMinor: number;
  amountRefundedMinor: number;
  fulfillments: number;
  refunds: number;
}

const rank: Record<FactKind, number> = {
  pending: 0,
  failed: 1,
  succeeded: 2,
  refunded: 3,
  reversed: 4,
  reversal_canceled: 5,
  subscription_status: 6,
  invoice_paid: 7,
  invoice_failed: 8,
};

/** The newest fact by gateway time; ties go to the later kind in the lifecycle. */
function newest(facts: readonly LifecycleFact[]): LifecycleFact | undefined {
  return [...facts].sort((a, b) => a.occurredAt - b.occurredAt || rank[a.kind] - rank[b.kind]).at(-1);
}

export function matchesTerms(fact: Pick<LifecycleFact, 'amountMinor' | 'currency'>, terms: OrderTerms): boolean {
  return fact.amountMinor === terms.amountMinor && fact.currency.toUpperCase() === terms.currency.toUpperCase();
}

export function deriveOrderState(terms: OrderTerms, facts: readonly LifecycleFact[]): ExpectedOrderState {
  // An order whose events are a subscription's follows the subscription rule.
  if (facts.some((f) => f.orderId === terms.orderId && isSubscriptionFact(f)))
    return deriveSubscriptionState(terms, facts);
  const unique = new Map<string, LifecycleFact>();
  for (const fact of facts) if (fact.orderId === terms.orderId) unique.set(fact.eventId, fact);
  const all = [...unique.values()];

  const successes = all.filter((f) => f.kind === 'succeeded');
  const paid = successes.some((f) => matchesTerms(f, terms));
  const mismatched = successes.some((f) => !matchesTerms(f, terms));
  // Several events may report one refund (its own amount in one, the cumulative total in another): the highest
  // cumulative over every event, and each distinct refund's largest own amount, so no arrival order picks one.
  const refunds = new Map<string, number>();
  let highestCumulative = 0;
  for (const f of all) {
    if (f.kind !== 'refunded' || f.refund === undefined) continue;
    refunds.set(f.refund.id, Math.max(refunds.get(f.refund.id) ?? 0, f.refund.amountMinor ?? 0));
    highestCumulative = Math.max(highestCumulative, f.refund.cumulativeMinor ?? 0);
  }
  const sumOfRefunds = [...refunds.values()].reduce((sum, own) => sum + own, 0);
  const refundedMinor = paid ? Math.max(highestCumulative, sumOfRefunds) : 0;
  const reversal = newest(all.filter((f) => f.kind === 'reversed' || f.kind === 'reversal_canceled'));

  let status: OrderStatus;
  if (mismatched) status = 'flagged';
  else if (paid) {
    if (reversal?.kind === 'reversed') status = 'reversed';
    else if (refundedMinor >= terms.amountMinor && refundedMinor > 0) status = 'refunded';
    else if (refundedMinor > 0) status = 'partially_refunded';
    else status = 'paid';
  } else {
    const latest = newest(all.filter((f) => f.kind === 'pending' || f.kind === 'failed'));
    status = latest === undefined ? 'awaiting_payment' : latest.kind === 'failed' ? 'failed' : 'pending';
  }

  return {
    orderId: terms.orderId,
    status,
    currency: terms.currency.toUpperCase(),
    amountPaidMinor: paid ? terms.amountMinor : 0,
    amountRefundedMinor: refundedMinor,
    fulfillments: paid ? 1 : 0,
    refunds: paid ? refunds.size : 0,
  };
}

export function toOrderView(state: ExpectedOrderState): OrderView {
  return {
    orderId: state.orderId,
    status: state.status,
    amountPaid: formatMinor(state.amountPaidMinor, state.currency),
    amountRefunded: formatMinor(state.amountRefundedMinor, state.currency),
    currency: state.currency,
    fulfillments: state.fulfillments,
    refunds: state.refunds,
  };
}
