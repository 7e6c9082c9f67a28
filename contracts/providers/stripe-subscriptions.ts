import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { type EventFamily, isPaymentStep, type SubscriptionStep } from '../provider.js';
import { eventOf, metadataOrderId, stripeEvent, stripeMetadata } from './stripe-envelope.js';
import { invoiceEvents, invoiceFact, type StripeInvoiceEvent, stripeInvoiceEventSchemas } from './stripe-invoices.js';

/**
 * Stripe Billing: `customer.subscription.created` / `.updated` (with `data.previous_attributes`) / `.deleted`, and the
 * subscription's invoices (stripe-invoices.ts). The order reference is the subscription's `metadata.order_id`; the
 * billing period is on the subscription item (`items.data[0].current_period_*`, since 2025-03-31.basil). Fields as
 * stripe-node's `Subscription` (docs/decisions/0025-stripe-families.md).
 */
export const StripeSubscriptionSchema = z.looseObject({
  id: z.string().startsWith('sub_'),
  object: z.literal('subscription'),
  created: z.number().int(),
  currency: z.string().length(3),
  customer: z.string().startsWith('cus_'),
  items: z.looseObject({
    data: z.array(
      z.looseObject({
        price: z.looseObject({
          currency: z.string().length(3),
          unit_amount: z.number().int().nonnegative().nullable(),
        }),
      }),
    ),
  }),
  livemode: z.boolean(),
  metadata: stripeMetadata,
  // Stripe adds statuses now and then; an unknown one is read as "not modelled", never a dead letter.
  status: z.string().min(1),
});
export type StripeSubscription = z.infer<typeof StripeSubscriptionSchema>;

export const stripeSubscriptionEventSchemas = [
  eventOf('customer.subscription.created', StripeSubscriptionSchema),
  eventOf('customer.subscription.updated', StripeSubscriptionSchema),
  eventOf('customer.subscription.deleted', StripeSubscriptionSchema),
  ...stripeInvoiceEventSchemas,
] as const;
export type StripeSubscriptionEvent = z.infer<(typeof stripeSubscriptionEventSchemas)[number]>;
type SubscriptionObjectEvent = Exclude<StripeSubscriptionEvent, StripeInvoiceEvent>;

const MONTH_SECONDS = 30 * 86_400;

function subscription(step: SubscriptionStep, mine: readonly SubscriptionStep[]): StripeSubscription {
  const key = step.subscriptionKey;
  const started = mine[0]?.createdAt ?? step.createdAt;
  const latestInvoice = mine.findLast((s) => s.invoiceKey !== undefined)?.invoiceKey;
  const canceled = step.status === 'canceled';
  const currency = step.currency.toLowerCase();
  const period = { current_period_start: started, current_period_end: started + MONTH_SECONDS };
  return {
    id: `sub_${key}`,
    object: 'subscription',
    billing_cycle_anchor: started,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: canceled ? step.createdAt : null,
    cancellation_details: { comment: null, feedback: null, reason: canceled ? 'cancellation_requested' : null },
    collection_method: 'charge_automatically',
    created: started,
    currency,
    customer: `cus_${key}`,
    ended_at: canceled ? step.createdAt : null,
    items: {
      object: 'list',
      data: [
        {
          id: `si_${key}`,
          object: 'subscription_item',
          created: started,
          ...period,
          metadata: {},
          price: {
            id: `price_${key}`,
            object: 'price',
            active: true,
            currency,
            product: `prod_${key}`,
            recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
            type: 'recurring',
            unit_amount: step.amountMinor,
          },
          quantity: 1,
          subscription: `sub_${key}`,
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=sub_${key}`,
    },
    latest_invoice: latestInvoice === undefined ? null : `in_${latestInvoice}`,
    livemode: false,
    metadata: { order_id: step.orderId },
    start_date: started,
    status: step.status ?? 'incomplete',
    trial_end: null,
    trial_start: null,
  };
}

function statusEvent(step: SubscriptionStep, mine: readonly SubscriptionStep[]) {
  const object = subscription(step, mine);
  const id = `evt_${step.eventKey}`;
  if (step.first === true) return stripeEvent('customer.subscription.created', id, step.createdAt, object);
  if (step.status === 'canceled') return stripeEvent('customer.subscription.deleted', id, step.createdAt, object);
  const previous = mine.findLast((s) => s.status !== undefined)?.status;
  return stripeEvent(
    'customer.subscription.updated',
    id,
    step.createdAt,
    object,
    previous === undefined ? {} : { status: previous },
  );
}

export const stripeSubscriptionFamily: EventFamily<StripeSubscriptionEvent> = {
  title: 'Subscriptions and invoices',
  factKinds: ['subscription_status', 'invoice_paid', 'invoice_failed'],
  buildEvents(step, earlier) {
    if (isPaymentStep(step)) return null;
    if (step.kind !== 'subscription_status') return invoiceEvents(step, earlier);
    const mine = earlier.filter(
      (s): s is SubscriptionStep => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey,
    );
    const event = statusEvent(step, mine);
    return [{ event, eventId: event.id }];
  },
};

/** Stripe's statuses as the subscription rule's; `paused` is not modelled (no fact). */
const statusOf = new Map<string, NonNullable<LifecycleFact['subscription']>['status']>([
  ['incomplete', 'incomplete'],
  // Terminal: the first invoice was never paid within 23 hours.
  ['incomplete_expired', 'canceled'],
  ['trialing', 'trialing'],
  ['active', 'active'],
  ['past_due', 'past_due'],
  ['unpaid', 'unpaid'],
  ['canceled', 'canceled'],
]);

export function subscriptionFact(event: StripeSubscriptionEvent, eventId: string): LifecycleFact | null {
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed':
      return invoiceFact(event, eventId);
    default:
      return statusFact(event, eventId);
  }
}

function statusFact(event: SubscriptionObjectEvent, eventId: string): LifecycleFact | null {
  const object = event.data.object;
  const orderId = metadataOrderId(object.metadata);
  const status = statusOf.get(object.status);
  if (orderId === null || status === undefined) return null;
  return {
    eventId,
    occurredAt: event.created,
    kind: 'subscription_status',
    orderId,
    amountMinor: object.items.data[0]?.price.unit_amount ?? 0,
    currency: object.currency.toUpperCase(),
    subscription: { id: object.id, status },
  };
}
