import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { CurrencySchema } from '../money.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type SubscriptionStep } from '../provider.js';
import { iso, MONTH_SECONDS, paddleId, transaction } from './paddle-transaction.js';

/**
 * Paddle Billing subscriptions (docs/decisions/0026-paypal-paddle-standard-families.md): `subscription.created` (the
 * first status; Paddle creates a subscription `active`, or `trialing` until its first charge), `subscription.activated`
 * (trialing → active, once), `subscription.updated` (any other change), `subscription.past_due`,
 * `subscription.canceled`, and the subscription's transactions: `transaction.completed` with a `subscription_id` (an
 * invoice paid) and `transaction.payment_failed` (one failed). The order reference is `custom_data.order_id`, on the
 * subscription and (copied by Paddle) on each of its transactions. Fields as @paddle/paddle-node-sdk's
 * `SubscriptionNotification`.
 */
const isoTimestamp = z.iso.datetime({ offset: true });
const minorString = z.string().regex(/^\d+$/, 'a string of minor units such as "4999"');

export const PaddleSubscriptionSchema = z.looseObject({
  id: z.string().startsWith('sub_'),
  // Paddle adds statuses now and then; one not modelled moves no order, and is never a dead letter.
  status: z.string().min(1),
  customer_id: z.string().startsWith('ctm_'),
  currency_code: CurrencySchema,
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
  billing_cycle: z.looseObject({ interval: z.string(), frequency: z.number().int().positive() }),
  items: z.array(
    z.looseObject({
      quantity: z.number().int().nonnegative(),
      price: z.looseObject({ unit_price: z.looseObject({ amount: minorString }).nullable() }).nullable(),
    }),
  ),
  // A subscription made outside the merchant's checkout may have none: acknowledged, moves no order.
  custom_data: z.looseObject({ order_id: z.string().min(1).optional() }).nullable(),
});
export type PaddleSubscription = z.infer<typeof PaddleSubscriptionSchema>;

export const PADDLE_SUBSCRIPTION_EVENT_TYPES = [
  'subscription.created',
  'subscription.activated',
  'subscription.updated',
  'subscription.past_due',
  'subscription.canceled',
] as const;

type SubscriptionStatus = NonNullable<SubscriptionStep['status']>;
const paddleStatusOf: Record<SubscriptionStatus, string> = {
  // Paddle has no subscription awaiting its first payment: until then it is trialing.
  incomplete: 'trialing',
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  canceled: 'canceled',
};

function mine(step: SubscriptionStep, earlier: readonly LifecycleStep[]): SubscriptionStep[] {
  return earlier.filter((s): s is SubscriptionStep => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey);
}

function subscription(step: SubscriptionStep, earlier: readonly SubscriptionStep[]): PaddleSubscription {
  const started = earlier[0]?.createdAt ?? step.createdAt;
  const status = paddleStatusOf[step.status ?? 'active'];
  const amount = String(step.amountMinor);
  const period = { starts_at: iso(started), ends_at: iso(started + MONTH_SECONDS) };
  const canceled = status === 'canceled';
  return {
    id: paddleId('sub', step.subscriptionKey),
    status,
    customer_id: paddleId('ctm', step.orderId),
    address_id: paddleId('add', step.orderId),
    business_id: null,
    currency_code: step.currency,
    created_at: iso(started),
    updated_at: iso(step.createdAt),
    started_at: iso(started),
    first_billed_at: status === 'trialing' ? null : iso(started),
    next_billed_at: canceled ? null : period.ends_at,
    paused_at: null,
    canceled_at: canceled ? iso(step.createdAt) : null,
    discount: null,
    collection_mode: 'automatic',
    billing_details: null,
    current_billing_period: canceled ? null : period,
    billing_cycle: { interval: 'month', frequency: 1 },
    scheduled_change: null,
    items: [
      {
        status: canceled ? 'inactive' : status,
        quantity: 1,
        recurring: true,
        created_at: iso(started),
        updated_at: iso(step.createdAt),
        previously_billed_at: status === 'trialing' ? null : iso(started),
        next_billed_at: canceled ? null : period.ends_at,
        trial_dates: null,
        price: {
          id: paddleId('pri', step.orderId),
          product_id: paddleId('pro', step.orderId),
          description: 'Monthly plan',
          tax_mode: 'account_setting',
          billing_cycle: { interval: 'month', frequency: 1 },
          trial_period: null,
          unit_price: { amount, currency_code: step.currency },
          unit_price_overrides: [],
          quantity: { minimum: 1, maximum: 1 },
          status: 'active',
          custom_data: null,
        },
      },
    ],
    custom_data: { order_id: step.orderId },
    management_urls: { update_payment_method: null, cancel: 'https://buyer-portal.paddle.com/subscriptions' },
    import_meta: null,
  };
}

function statusType(step: SubscriptionStep, earlier: readonly SubscriptionStep[]): string {
  if (step.first === true) return 'subscription.created';
  const status = paddleStatusOf[step.status ?? 'active'];
  if (status === 'canceled') return 'subscription.canceled';
  if (status === 'past_due') return 'subscription.past_due';
  const wasActive = earlier.some((s) => s.status !== undefined && paddleStatusOf[s.status] !== 'trialing');
  return status === 'active' && !wasActive ? 'subscription.activated' : 'subscription.updated';
}

function paddleEvent(type: string, step: SubscriptionStep, data: unknown) {
  const eventId = paddleId('evt', step.eventKey);
  const event = {
    event_id: eventId,
    event_type: type,
    occurred_at: iso(step.createdAt),
    notification_id: paddleId('ntf', step.eventKey),
    data,
  };
  return { event, eventId };
}

export const paddleSubscriptionFamily: EventFamily<Record<string, unknown>> = {
  title: 'Subscriptions and their transactions',
  factKinds: ['subscription_status', 'invoice_paid', 'invoice_failed'],
  buildEvents(step, earlier) {
    if (isPaymentStep(step)) return null;
    const before = mine(step, earlier);
    if (step.kind === 'subscription_status') {
      const data = subscription(step, before);
      const type = statusType(step, before);
      // A created subscription names the checkout's transaction (SubscriptionCreatedNotification.transactionId).
      const created =
        type === 'subscription.created' ? { transaction_id: paddleId('txn', `${step.subscriptionKey}:checkout`) } : {};
      return [paddleEvent(type, step, { ...data, ...created })];
    }
    const invoices = before.filter((s) => s.kind === 'invoice_paid').length;
    const data = transaction({
      outcome: step.kind === 'invoice_paid' ? 'succeeded' : 'failed',
      key: step.invoiceKey ?? step.eventKey,
      eventKey: step.eventKey,
      orderId: step.orderId,
      amountMinor: step.amountMinor,
      currency: step.currency,
      createdAt: step.createdAt,
      subscription: {
        id: paddleId('sub', step.subscriptionKey),
        first: !before.some((s) => s.kind !== 'subscription_status'),
        invoiceNumber: `${paddleId('inv', step.orderId).slice(7, 11).toUpperCase()}-${10_000 + invoices + 1}`,
      },
    });
    return [
      paddleEvent(step.kind === 'invoice_paid' ? 'transaction.completed' : 'transaction.payment_failed', step, data),
    ];
  },
};

const ruleStatusOf: Readonly<Record<string, NonNullable<LifecycleFact['subscription']>['status']>> = {
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  canceled: 'canceled',
};

/** What a subscription event says (its status); null for one without an order id or in a status not modelled (paused). */
export function paddleSubscriptionFact(
  event: { occurred_at: string; data: PaddleSubscription },
  eventId: string,
): LifecycleFact | null {
  const sub = event.data;
  const orderId = sub.custom_data?.order_id;
  const status = ruleStatusOf[sub.status];
  if (orderId === undefined || status === undefined) return null;
  const item = sub.items[0];
  return {
    eventId,
    orderId,
    kind: 'subscription_status',
    occurredAt: Math.floor(Date.parse(event.occurred_at) / 1000),
    amountMinor: Number(item?.price?.unit_price?.amount ?? 0) * (item?.quantity ?? 1),
    currency: sub.currency_code,
    subscription: { id: sub.id, status },
  };
}
