import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { isPaymentStep, type LifecycleStep, type SubscriptionStep } from '../provider.js';
import { eventOf, metadataOrderId, stripeEvent, stripeMetadata } from './stripe-envelope.js';

/**
 * A subscription's invoices as Stripe's current API renders them: the subscription behind an invoice and its metadata
 * snapshot are in `parent.subscription_details` (since 2025-03-31.basil; the top-level `subscription` field is gone),
 * the customer in `customer`. A paid invoice is announced twice, `invoice.paid` and `invoice.payment_succeeded`, and a
 * receiver that handles both must credit it once. See docs/decisions/0025-stripe-families.md.
 */
export const StripeInvoiceSchema = z.looseObject({
  id: z.string().startsWith('in_'),
  object: z.literal('invoice'),
  amount_due: z.number().int().nonnegative(),
  amount_paid: z.number().int().nonnegative(),
  amount_remaining: z.number().int().nonnegative(),
  billing_reason: z.string().nullable(),
  created: z.number().int(),
  currency: z.string().length(3),
  customer: z.string().startsWith('cus_').nullable(),
  livemode: z.boolean(),
  parent: z
    .looseObject({
      type: z.string(),
      subscription_details: z
        .looseObject({ metadata: stripeMetadata.nullable(), subscription: z.string().startsWith('sub_') })
        .nullable(),
    })
    .nullable(),
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).nullable(),
});
export type StripeInvoice = z.infer<typeof StripeInvoiceSchema>;

export const stripeInvoiceEventSchemas = [
  eventOf('invoice.paid', StripeInvoiceSchema),
  eventOf('invoice.payment_succeeded', StripeInvoiceSchema),
  eventOf('invoice.payment_failed', StripeInvoiceSchema),
] as const;
export type StripeInvoiceEvent = z.infer<(typeof stripeInvoiceEventSchemas)[number]>;

const MONTH_SECONDS = 30 * 86_400;

export function invoice(step: SubscriptionStep, earlier: readonly LifecycleStep[]): StripeInvoice {
  const paid = step.kind === 'invoice_paid';
  const key = step.invoiceKey ?? step.eventKey;
  const subscription = `sub_${step.subscriptionKey}`;
  const first = !earlier.some(
    (s) => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey && s.kind !== 'subscription_status',
  );
  return {
    id: `in_${key}`,
    object: 'invoice',
    amount_due: step.amountMinor,
    amount_paid: paid ? step.amountMinor : 0,
    amount_remaining: paid ? 0 : step.amountMinor,
    attempt_count: 1,
    attempted: true,
    billing_reason: first ? 'subscription_create' : 'subscription_cycle',
    collection_method: 'charge_automatically',
    created: step.createdAt,
    currency: step.currency.toLowerCase(),
    customer: `cus_${step.subscriptionKey}`,
    lines: {
      object: 'list',
      data: [
        {
          id: `il_${key}`,
          object: 'line_item',
          amount: step.amountMinor,
          currency: step.currency.toLowerCase(),
          period: { start: step.createdAt, end: step.createdAt + MONTH_SECONDS },
          parent: {
            type: 'subscription_item_details',
            subscription_item_details: { subscription, subscription_item: `si_${step.subscriptionKey}` },
          },
          quantity: 1,
        },
      ],
      has_more: false,
      url: `/v1/invoices/in_${key}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : step.createdAt + 3 * 86_400,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: { order_id: step.orderId }, subscription },
    },
    period_end: step.createdAt,
    period_start: step.createdAt,
    status: paid ? 'paid' : 'open',
    status_transitions: { finalized_at: step.createdAt, paid_at: paid ? step.createdAt : null },
    subtotal: step.amountMinor,
    total: step.amountMinor,
  };
}

/** The events of an invoice step: `invoice.paid` then `invoice.payment_succeeded`, or `invoice.payment_failed`. */
export function invoiceEvents(step: SubscriptionStep, earlier: readonly LifecycleStep[]) {
  const object = invoice(step, earlier);
  const id = `evt_${step.eventKey}`;
  if (step.kind === 'invoice_failed') {
    return [{ event: stripeEvent('invoice.payment_failed', id, step.createdAt, object), eventId: id }];
  }
  // The second announcement of the same payment is its own event, with its own id.
  const second = `evt_${step.eventKey}ps`;
  return [
    { event: stripeEvent('invoice.paid', id, step.createdAt, object), eventId: id },
    { event: stripeEvent('invoice.payment_succeeded', second, step.createdAt, object), eventId: second },
  ];
}

/** The order an invoice is for: its subscription's metadata snapshot (null for an invoice without one). */
export function invoiceOrderId(object: StripeInvoice): string | null {
  return metadataOrderId(object.parent?.subscription_details?.metadata);
}

export function invoiceFact(event: StripeInvoiceEvent, eventId: string): LifecycleFact | null {
  const object = event.data.object;
  const orderId = invoiceOrderId(object);
  if (orderId === null) return null;
  const paid = event.type !== 'invoice.payment_failed';
  return {
    eventId,
    occurredAt: event.created,
    kind: paid ? 'invoice_paid' : 'invoice_failed',
    orderId,
    amountMinor: paid ? object.amount_paid : object.amount_due,
    currency: object.currency.toUpperCase(),
    invoice: { id: object.id },
  };
}
