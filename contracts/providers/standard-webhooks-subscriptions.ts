import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { CurrencySchema } from '../money.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type SubscriptionStep } from '../provider.js';

/**
 * The subscription flavour of a Standard Webhooks sender (docs/decisions/0026-paypal-paddle-standard-families.md). The
 * spec leaves `type` free; these are the names a SaaS billing on Svix typically sends: `subscription.created`,
 * `subscription.updated` (with `previous_status`), `subscription.canceled`, `invoice.paid`, `invoice.payment_failed`.
 * As in the payment events, the order reference is `data.order_id` and amounts are integers in minor units.
 */
const isoTimestamp = z.iso.datetime({ offset: true });

const subscriptionData = z.looseObject({
  subscription_id: z.string().min(1),
  customer_id: z.string().min(1),
  order_id: z.string().min(1),
  // A status the sender adds later is acknowledged and moves no order.
  status: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: CurrencySchema,
  current_period_end: isoTimestamp.nullable(),
});

const invoiceData = z.looseObject({
  invoice_id: z.string().min(1),
  subscription_id: z.string().min(1),
  order_id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: CurrencySchema,
  attempt_count: z.number().int().positive(),
});

const eventOf = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.looseObject({ type: z.literal(type), timestamp: isoTimestamp, data });

export const standardSubscriptionEventSchemas = [
  eventOf('subscription.created', subscriptionData),
  eventOf('subscription.updated', subscriptionData.extend({ previous_status: z.string().nullable() })),
  eventOf('subscription.canceled', subscriptionData),
  eventOf('invoice.paid', invoiceData),
  eventOf('invoice.payment_failed', invoiceData.extend({ failure_reason: z.string() })),
] as const;
export type StandardSubscriptionEvent = z.infer<(typeof standardSubscriptionEventSchemas)[number]>;

const MONTH_SECONDS = 30 * 86_400;

function mine(step: SubscriptionStep, earlier: readonly LifecycleStep[]): SubscriptionStep[] {
  return earlier.filter((s): s is SubscriptionStep => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey);
}

function subscriptionEvent(step: SubscriptionStep, before: readonly SubscriptionStep[]): StandardSubscriptionEvent {
  const timestamp = new Date(step.createdAt * 1000).toISOString();
  const status = step.status ?? 'active';
  const started = before[0]?.createdAt ?? step.createdAt;
  const data = {
    subscription_id: `sub_${step.subscriptionKey}`,
    customer_id: `cus_${step.subscriptionKey}`,
    order_id: step.orderId,
    status,
    amount: step.amountMinor,
    currency: step.currency,
    current_period_end: status === 'canceled' ? null : new Date((started + MONTH_SECONDS) * 1000).toISOString(),
  };
  if (step.first === true) return { type: 'subscription.created', timestamp, data };
  if (status === 'canceled') return { type: 'subscription.canceled', timestamp, data };
  const previous = before.findLast((s) => s.status !== undefined)?.status ?? null;
  return { type: 'subscription.updated', timestamp, data: { ...data, previous_status: previous } };
}

function invoiceEvent(step: SubscriptionStep, before: readonly SubscriptionStep[]): StandardSubscriptionEvent {
  const timestamp = new Date(step.createdAt * 1000).toISOString();
  const key = step.invoiceKey ?? step.eventKey;
  const data = {
    invoice_id: `in_${key}`,
    subscription_id: `sub_${step.subscriptionKey}`,
    order_id: step.orderId,
    amount: step.amountMinor,
    currency: step.currency,
    attempt_count: 1 + before.filter((s) => s.invoiceKey === step.invoiceKey && s.kind === 'invoice_failed').length,
  };
  return step.kind === 'invoice_paid'
    ? { type: 'invoice.paid', timestamp, data }
    : { type: 'invoice.payment_failed', timestamp, data: { ...data, failure_reason: 'card_declined' } };
}

export const standardSubscriptionFamily: EventFamily<StandardSubscriptionEvent> = {
  title: 'Subscriptions and invoices',
  factKinds: ['subscription_status', 'invoice_paid', 'invoice_failed'],
  buildEvents(step, earlier) {
    if (isPaymentStep(step)) return null;
    const before = mine(step, earlier);
    const event = step.kind === 'subscription_status' ? subscriptionEvent(step, before) : invoiceEvent(step, before);
    return [{ event, eventId: `msg_${step.eventKey}` }];
  },
};

type Status = NonNullable<LifecycleFact['subscription']>['status'];
const statuses: ReadonlySet<string> = new Set<Status>([
  'incomplete',
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'canceled',
]);

export function standardSubscriptionFact(event: StandardSubscriptionEvent, eventId: string): LifecycleFact | null {
  const base = {
    eventId,
    orderId: event.data.order_id,
    amountMinor: event.data.amount,
    currency: event.data.currency,
    occurredAt: Math.floor(Date.parse(event.timestamp) / 1000),
  };
  switch (event.type) {
    case 'invoice.paid':
      return { ...base, kind: 'invoice_paid', invoice: { id: event.data.invoice_id } };
    case 'invoice.payment_failed':
      return { ...base, kind: 'invoice_failed', invoice: { id: event.data.invoice_id } };
    default: {
      // A cancellation is final whatever status its body repeats.
      const status = event.type === 'subscription.canceled' ? 'canceled' : event.data.status;
      if (!statuses.has(status)) return null;
      return {
        ...base,
        kind: 'subscription_status',
        subscription: { id: event.data.subscription_id, status: status as Status },
      };
    }
  }
}
