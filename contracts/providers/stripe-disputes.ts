import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type PaymentStep } from '../provider.js';
import { eventOf, metadataOrderId, stripeEvent, stripeMetadata } from './stripe-envelope.js';

/**
 * Stripe disputes (chargebacks): `charge.dispute.created` when the customer's bank takes the money back,
 * `charge.dispute.closed` with `status: 'won'` when it comes back (or `lost`). The dispute names its `charge` and
 * `payment_intent` (the same `ch_…`/`pi_…` as the payment's own events); Stripe does not copy the charge's metadata onto
 * it, so the order reference here is the dispute's own `metadata.order_id`, as an integration that tags its disputes
 * sets it (docs/decisions/0025-stripe-families.md). An inquiry (`warning_*` statuses) takes no money: no fact.
 */
export const StripeDisputeSchema = z.looseObject({
  id: z.string().startsWith('du_'),
  object: z.literal('dispute'),
  amount: z.number().int().nonnegative(),
  charge: z.string().startsWith('ch_'),
  created: z.number().int(),
  currency: z.string().length(3),
  livemode: z.boolean(),
  metadata: stripeMetadata,
  payment_intent: z.string().startsWith('pi_').nullable(),
  reason: z.string(),
  status: z.string().min(1),
});
export type StripeDispute = z.infer<typeof StripeDisputeSchema>;

export const stripeDisputeEventSchemas = [
  eventOf('charge.dispute.created', StripeDisputeSchema),
  eventOf('charge.dispute.closed', StripeDisputeSchema),
] as const;
export type StripeDisputeEvent = z.infer<(typeof stripeDisputeEventSchemas)[number]>;

const EVIDENCE_WINDOW_SECONDS = 7 * 86_400;

function dispute(step: PaymentStep, earlier: readonly LifecycleStep[]): StripeDispute {
  const closed = step.kind === 'reversal_canceled';
  const opened =
    earlier.find((s) => isPaymentStep(s) && s.paymentKey === step.paymentKey && s.kind === 'reversed')?.createdAt ??
    step.createdAt;
  return {
    id: `du_${step.paymentKey}`,
    object: 'dispute',
    amount: step.amountMinor,
    balance_transactions: [],
    charge: `ch_${step.paymentKey}`,
    created: opened,
    currency: step.currency.toLowerCase(),
    evidence_details: {
      due_by: opened + EVIDENCE_WINDOW_SECONDS,
      has_evidence: closed,
      past_due: false,
      submission_count: closed ? 1 : 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: { order_id: step.orderId },
    payment_intent: `pi_${step.paymentKey}`,
    reason: 'fraudulent',
    status: closed ? 'won' : 'needs_response',
  };
}

export const stripeDisputeFamily: EventFamily<StripeDisputeEvent> = {
  title: 'Disputes',
  factKinds: ['reversed', 'reversal_canceled'],
  buildEvents(step, earlier) {
    if (!isPaymentStep(step) || (step.kind !== 'reversed' && step.kind !== 'reversal_canceled')) return null;
    const type = step.kind === 'reversed' ? 'charge.dispute.created' : 'charge.dispute.closed';
    const id = `evt_${step.eventKey}`;
    return [{ event: stripeEvent(type, id, step.createdAt, dispute(step, earlier)), eventId: id }];
  },
};

export function disputeFact(event: StripeDisputeEvent, eventId: string): LifecycleFact | null {
  const object = event.data.object;
  const orderId = metadataOrderId(object.metadata);
  const kind = kindOf(event.type, object.status);
  if (orderId === null || kind === null) return null;
  return {
    eventId,
    occurredAt: event.created,
    kind,
    orderId,
    amountMinor: object.amount,
    currency: object.currency.toUpperCase(),
  };
}

function kindOf(type: StripeDisputeEvent['type'], status: string): 'reversed' | 'reversal_canceled' | null {
  if (status.startsWith('warning_')) return null;
  if (type === 'charge.dispute.created') return 'reversed';
  return status === 'won' ? 'reversal_canceled' : status === 'lost' ? 'reversed' : null;
}
