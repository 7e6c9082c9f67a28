import { deriveOrderState, type LifecycleFact, type OrderTerms } from '../contracts/lifecycle.js';
import type { OrderStatus } from '../contracts/probe.js';
import { isSubscriptionFact } from '../contracts/subscription-rule.js';

export type EffectKind = 'fulfillment' | 'refund';

/** A side effect, recorded under a unique key so that it happens once however often the order is recomputed. */
export interface SideEffect {
  readonly key: string;
  readonly orderId: string;
  readonly kind: EffectKind;
}

/** What the receiver stores for an order after applying its facts: the projection and the side effects it calls for. */
export interface OrderProjection {
  readonly status: OrderStatus;
  readonly amountPaidMinor: number;
  readonly amountRefundedMinor: number;
  readonly effects: readonly SideEffect[];
}

export type OrderProjector = (terms: OrderTerms, facts: readonly LifecycleFact[]) => OrderProjection;

/**
 * The order-lifecycle rule applied to every fact of an order. It depends on the set of facts only, so a stale event
 * never moves an order backwards. A paid order is fulfilled once and each distinct refund is made once.
 */
export const projectOrder: OrderProjector = (terms, facts) => {
  const state = deriveOrderState(terms, facts);
  const effects: SideEffect[] = [];
  // A subscription is credited once per paid invoice: one fulfillment, under the invoice's own key, per invoice.
  if (facts.some((f) => f.orderId === terms.orderId && isSubscriptionFact(f))) {
    const invoices = new Set(
      facts.flatMap((f) =>
        f.orderId === terms.orderId && f.kind === 'invoice_paid' && f.invoice ? [f.invoice.id] : [],
      ),
    );
    for (const id of invoices) {
      effects.push({ key: `fulfillment:${terms.orderId}:${id}`, orderId: terms.orderId, kind: 'fulfillment' });
    }
    return { status: state.status, amountPaidMinor: state.amountPaidMinor, amountRefundedMinor: 0, effects };
  }
  const paid = state.fulfillments >= 1;
  if (paid) effects.push({ key: `fulfillment:${terms.orderId}`, orderId: terms.orderId, kind: 'fulfillment' });
  if (paid) {
    const refundIds = new Set<string>();
    for (const fact of facts) {
      if (fact.orderId === terms.orderId && fact.kind === 'refunded' && fact.refund !== undefined) {
        refundIds.add(fact.refund.id);
      }
    }
    for (const id of refundIds)
      effects.push({ key: `refund:${terms.orderId}:${id}`, orderId: terms.orderId, kind: 'refund' });
  }
  return {
    status: state.status,
    amountPaidMinor: state.amountPaidMinor,
    amountRefundedMinor: state.amountRefundedMinor,
    effects,
  };
};
