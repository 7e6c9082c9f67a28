import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type PaymentStep } from '../provider.js';
import { eventOf, metadataOrderId, stripeEvent, stripeMetadata } from './stripe-envelope.js';

/**
 * Stripe Checkout Sessions (`mode: 'payment'`), the family SaaS and shop receivers fulfil from: a session completes
 * `paid` (a card) or `unpaid` (a delayed method such as SEPA Debit) and then succeeds or fails asynchronously; a
 * session nobody paid expires. The order reference is in `client_reference_id` and in `metadata.order_id` (receivers
 * use either). Fields as stripe-node's `Checkout.Session` (docs/decisions/0025-stripe-families.md).
 */
export const StripeCheckoutSessionSchema = z.looseObject({
  id: z.string().startsWith('cs_'),
  object: z.literal('checkout.session'),
  amount_subtotal: z.number().int().nonnegative().nullable(),
  amount_total: z.number().int().nonnegative().nullable(),
  client_reference_id: z.string().nullable(),
  created: z.number().int(),
  currency: z.string().length(3).nullable(),
  livemode: z.boolean(),
  metadata: stripeMetadata.nullable(),
  mode: z.enum(['payment', 'setup', 'subscription']),
  payment_intent: z.string().startsWith('pi_').nullable(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  status: z.enum(['open', 'complete', 'expired']).nullable(),
});
export type StripeCheckoutSession = z.infer<typeof StripeCheckoutSessionSchema>;

export const stripeCheckoutEventSchemas = [
  eventOf('checkout.session.completed', StripeCheckoutSessionSchema),
  eventOf('checkout.session.async_payment_succeeded', StripeCheckoutSessionSchema),
  eventOf('checkout.session.async_payment_failed', StripeCheckoutSessionSchema),
  eventOf('checkout.session.expired', StripeCheckoutSessionSchema),
] as const;
export type StripeCheckoutEvent = z.infer<(typeof stripeCheckoutEventSchemas)[number]>;

const DAY_SECONDS = 86_400;

/** Whether the payment of `step` was pending before it (a delayed method): its session then completed `unpaid`. */
function wasPending(step: PaymentStep, earlier: readonly LifecycleStep[]): boolean {
  return earlier.some((s) => isPaymentStep(s) && s.paymentKey === step.paymentKey && s.kind === 'pending');
}

function session(step: PaymentStep, earlier: readonly LifecycleStep[], delayed: boolean): StripeCheckoutSession {
  const paid = step.kind === 'succeeded';
  const expired = step.kind === 'failed' && !delayed;
  // The session was opened just before its payment's first step; one nobody paid expires 24 hours after it opened.
  const first = earlier.find((s) => isPaymentStep(s) && s.paymentKey === step.paymentKey)?.createdAt ?? step.createdAt;
  const created = expired ? step.createdAt - DAY_SECONDS : first - 30;
  return {
    id: `cs_test_${step.paymentKey}`,
    object: 'checkout.session',
    amount_subtotal: step.amountMinor,
    amount_total: step.amountMinor,
    cancel_url: null,
    client_reference_id: step.orderId,
    created,
    currency: step.currency.toLowerCase(),
    customer: null,
    customer_details: expired ? null : { email: null, name: null, tax_exempt: 'none' },
    expires_at: created + DAY_SECONDS,
    invoice: null,
    livemode: false,
    metadata: { order_id: step.orderId },
    mode: 'payment',
    payment_intent: expired ? null : `pi_${step.paymentKey}`,
    payment_method_types: delayed ? ['sepa_debit'] : ['card'],
    payment_status: paid ? 'paid' : 'unpaid',
    status: expired ? 'expired' : 'complete',
    subscription: null,
    success_url: 'https://merchant.example/checkout/success',
    url: null,
  };
}

function typeOf(step: PaymentStep, delayed: boolean): StripeCheckoutEvent['type'] | null {
  switch (step.kind) {
    case 'pending':
      return 'checkout.session.completed';
    case 'succeeded':
      return delayed ? 'checkout.session.async_payment_succeeded' : 'checkout.session.completed';
    case 'failed':
      return delayed ? 'checkout.session.async_payment_failed' : 'checkout.session.expired';
    default:
      return null;
  }
}

export const stripeCheckoutFamily: EventFamily<StripeCheckoutEvent> = {
  title: 'Checkout Sessions',
  factKinds: ['pending', 'succeeded', 'failed'],
  buildEvents(step, earlier) {
    if (!isPaymentStep(step)) return null;
    const delayed = step.kind === 'pending' || wasPending(step, earlier);
    const type = typeOf(step, delayed);
    if (type === null) return null;
    const id = `evt_${step.eventKey}`;
    return [{ event: stripeEvent(type, id, step.createdAt, session(step, earlier, delayed)), eventId: id }];
  },
};

/** The order reference a session carries: `client_reference_id`, else `metadata.order_id`. */
export function checkoutOrderId(object: StripeCheckoutSession): string | null {
  return object.client_reference_id || metadataOrderId(object.metadata);
}

export function checkoutFact(event: StripeCheckoutEvent, eventId: string): LifecycleFact | null {
  const object = event.data.object;
  const orderId = checkoutOrderId(object);
  // Setup and subscription sessions pay no order here (a subscription's invoices do).
  if (orderId === null || object.mode !== 'payment' || object.currency === null) return null;
  const kind = factKindOf(event.type, object.payment_status);
  return {
    eventId,
    occurredAt: event.created,
    kind,
    orderId,
    amountMinor: object.amount_total ?? 0,
    currency: object.currency.toUpperCase(),
  };
}

function factKindOf(
  type: StripeCheckoutEvent['type'],
  paymentStatus: StripeCheckoutSession['payment_status'],
): 'pending' | 'succeeded' | 'failed' {
  switch (type) {
    case 'checkout.session.completed':
      return paymentStatus === 'unpaid' ? 'pending' : 'succeeded';
    case 'checkout.session.async_payment_succeeded':
      return 'succeeded';
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return 'failed';
  }
}
