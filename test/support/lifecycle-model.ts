import type { ExpectedOrderState, FactKind, LifecycleFact, OrderTerms } from '../../contracts/lifecycle.js';

/**
 * A second model of the order-lifecycle rule (README "The lifecycle rule"), written from the rule's statement alone, to
 * test `contracts/lifecycle.ts` against: the order's events, deduplicated by event id, sorted by the gateway's time, then
 * folded into an explicit state. Sorting first is what makes the result a function of the set, not of arrival order.
 */

/** The lifecycle's own order of kinds: a tie in gateway time goes to the later one. */
const lifecycleOrder: readonly FactKind[] = [
  'pending',
  'failed',
  'succeeded',
  'refunded',
  'reversed',
  'reversal_canceled',
];

interface Fold {
  /** Event ids already folded in: a duplicate changes nothing. */
  readonly seen: Set<string>;
  /** A success for the order's exact amount and currency. */
  paidInFull: boolean;
  /** A success for another amount or currency. */
  paidWrongly: boolean;
  /** The newest pending or failed event so far. */
  attempt: 'pending' | 'failed' | null;
  /** The newest reversal event so far, and whether it is a cancellation. */
  reversal: 'reversed' | 'reversal_canceled' | null;
  /** Each distinct refund by id, with the largest own amount any event gave it (0 when none did). */
  readonly refunds: Map<string, number>;
  /** The highest cumulative refunded amount the gateway reported. */
  highestCumulative: number;
}

export function modelOrderState(terms: OrderTerms, facts: readonly LifecycleFact[]): ExpectedOrderState {
  const sorted = facts
    .filter((fact) => fact.orderId === terms.orderId)
    .sort(
      (a, b) =>
        a.occurredAt - b.occurredAt ||
        lifecycleOrder.indexOf(a.kind) - lifecycleOrder.indexOf(b.kind) ||
        (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0),
    );
  const fold: Fold = {
    seen: new Set(),
    paidInFull: false,
    paidWrongly: false,
    attempt: null,
    reversal: null,
    refunds: new Map(),
    highestCumulative: 0,
  };
  for (const fact of sorted) step(fold, fact, terms);
  return conclude(fold, terms);
}

function step(fold: Fold, fact: LifecycleFact, terms: OrderTerms): void {
  if (fold.seen.has(fact.eventId)) return;
  fold.seen.add(fact.eventId);
  switch (fact.kind) {
    case 'pending':
    case 'failed':
      fold.attempt = fact.kind;
      return;
    case 'succeeded':
      if (fact.amountMinor === terms.amountMinor && sameCurrency(fact.currency, terms.currency)) fold.paidInFull = true;
      else fold.paidWrongly = true;
      return;
    case 'refunded': {
      const refund = fact.refund;
      if (refund === undefined) return;
      fold.refunds.set(refund.id, Math.max(fold.refunds.get(refund.id) ?? 0, refund.amountMinor ?? 0));
      fold.highestCumulative = Math.max(fold.highestCumulative, refund.cumulativeMinor ?? 0);
      return;
    }
    case 'reversed':
    case 'reversal_canceled':
      fold.reversal = fact.kind;
      return;
  }
}

/**
 * The order's state once every event is folded in. "Paid" means a success for the exact amount and currency exists: it
 * was fulfilled once, its refunds count. A success for anything else makes the order `flagged` whatever else holds, but
 * takes nothing back: a receiver that saw the exact payment first has already fulfilled it (and run its refunds), and
 * the rule cannot depend on which arrived first.
 */
function conclude(fold: Fold, terms: OrderTerms): ExpectedOrderState {
  const base = { orderId: terms.orderId, currency: terms.currency };
  const unpaid = { amountPaidMinor: 0, amountRefundedMinor: 0, fulfillments: 0, refunds: 0 };
  if (!fold.paidInFull) {
    return { ...base, ...unpaid, status: fold.paidWrongly ? 'flagged' : (fold.attempt ?? 'awaiting_payment') };
  }
  const ownAmounts = [...fold.refunds.values()].reduce((sum, amount) => sum + amount, 0);
  const refunded = Math.max(fold.highestCumulative, ownAmounts);
  const status = fold.paidWrongly
    ? 'flagged'
    : fold.reversal === 'reversed'
      ? 'reversed'
      : refunded === 0
        ? 'paid'
        : refunded >= terms.amountMinor
          ? 'refunded'
          : 'partially_refunded';
  return {
    ...base,
    status,
    amountPaidMinor: terms.amountMinor,
    amountRefundedMinor: refunded,
    fulfillments: 1,
    refunds: fold.refunds.size,
  };
}

function sameCurrency(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}
