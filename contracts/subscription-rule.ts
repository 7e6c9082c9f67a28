import type { ExpectedOrderState, LifecycleFact, OrderTerms } from './lifecycle.js';
import type { OrderStatus } from './probe.js';

/**
 * The subscription rule, for an "order" that is a subscription (a SaaS plan bought through checkout): given the set of
 * its events, never their arrival order —
 * - its status is the newest subscription status the gateway reported (by event time): `incomplete` → awaiting
 *   payment, `trialing`/`active` → `active` (entitled), `past_due`/`unpaid` → `past_due`, `canceled` → `canceled`; a
 *   late, stale `updated` never revives a deleted subscription, and an `updated` arriving before `created` still counts;
 * - with no status event at all (a receiver's profile without subscription events), a paid invoice makes it `active`
 *   and a failed one `past_due`;
 * - it is credited **once per invoice paid**: `fulfillments` counts distinct paid invoices (a gateway that sends both
 *   `invoice.paid` and `invoice.payment_succeeded` for one invoice credits it once), and `amountPaid` sums them; credits
 *   stay after a cancellation.
 */
export const SUBSCRIPTION_FACT_KINDS = ['subscription_status', 'invoice_paid', 'invoice_failed'] as const;

export function isSubscriptionFact(fact: Pick<LifecycleFact, 'kind'>): boolean {
  return (SUBSCRIPTION_FACT_KINDS as readonly string[]).includes(fact.kind);
}

/** Ties in event time go to the later state in a subscription's life. */
const statusRank: Readonly<Record<string, number>> = {
  incomplete: 0,
  trialing: 1,
  active: 2,
  past_due: 3,
  unpaid: 4,
  canceled: 5,
};

const statusView: Readonly<Record<string, OrderStatus>> = {
  incomplete: 'awaiting_payment',
  trialing: 'active',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  canceled: 'canceled',
};

export function deriveSubscriptionState(terms: OrderTerms, facts: readonly LifecycleFact[]): ExpectedOrderState {
  const unique = new Map<string, LifecycleFact>();
  for (const fact of facts) if (fact.orderId === terms.orderId) unique.set(fact.eventId, fact);
  const all = [...unique.values()];

  const paidInvoices = new Map<string, number>();
  for (const f of all) {
    if (f.kind !== 'invoice_paid' || f.invoice === undefined) continue;
    paidInvoices.set(f.invoice.id, Math.max(paidInvoices.get(f.invoice.id) ?? 0, f.amountMinor));
  }
  const latest = all
    .filter((f) => f.kind === 'subscription_status' && f.subscription !== undefined)
    .sort(
      (a, b) =>
        a.occurredAt - b.occurredAt ||
        (statusRank[a.subscription?.status ?? ''] ?? 0) - (statusRank[b.subscription?.status ?? ''] ?? 0),
    )
    .at(-1);

  let status: OrderStatus;
  if (latest?.subscription !== undefined) status = statusView[latest.subscription.status] ?? 'awaiting_payment';
  else if (paidInvoices.size > 0) status = 'active';
  else if (all.some((f) => f.kind === 'invoice_failed')) status = 'past_due';
  else status = 'awaiting_payment';

  return {
    orderId: terms.orderId,
    status,
    currency: terms.currency.toUpperCase(),
    amountPaidMinor: [...paidInvoices.values()].reduce((sum, amount) => sum + amount, 0),
    amountRefundedMinor: 0,
    fulfillments: paidInvoices.size,
    refunds: 0,
  };
}
