import Stripe from 'stripe';
import { expect, test } from 'vitest';
import { type Provider, signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { stripeFamilies } from '../../contracts/providers/stripe.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { canPlay } from '../../simulator/world.js';
import { worldOrders } from './stripe-family-fixtures.js';

/**
 * The official SDK's view of the family events (test/contracts/official-libraries.test.ts does the PaymentIntents):
 * each body signed by our contract passes stripe-node's `constructEvent`, and the fields receivers read, reached
 * through stripe-node's own event types (so a field Stripe's types do not have fails to compile), give the order,
 * the status and the amount the contract's fact says.
 */
const NOW = 1_700_000_000;
const library = new Stripe('sk_test_x');
const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));
const every: Provider = { ...providers.stripe, families: stripeFamilies };

const familyEvents = (() => {
  const { orders } = worldOrders(19);
  return orders
    .filter((o) => canPlay(every, o.lifecycle))
    .flatMap((o) => eventsOf(every, o))
    .filter((e) => !e.type.startsWith('payment_intent.') && e.type !== 'charge.refunded');
})();

function construct(event: GatewayEvent): Stripe.Event {
  const request = signedRequest(every, { body: event.body, eventId: event.eventId, secrets: [secret], timestamp: NOW });
  const header = request.headers['stripe-signature'] ?? '';
  return library.webhooks.constructEvent(Buffer.from(request.body), header, secret, 300, undefined, NOW * 1000);
}

/** What a receiver written on stripe-node reads from an event: the order, a status, an amount, the ids it links. */
function receiverReads(event: Stripe.Event) {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = event.data.object;
      return {
        order: session.client_reference_id ?? session.metadata?.order_id,
        status: `${session.status}/${session.payment_status}`,
        amount: session.amount_total,
      };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      const item = subscription.items.data[0];
      return {
        order: subscription.metadata.order_id,
        status: subscription.status,
        amount: item?.price.unit_amount,
        period: (item?.current_period_end ?? 0) > (item?.current_period_start ?? 0),
      };
    }
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const details = invoice.parent?.subscription_details;
      return {
        order: details?.metadata?.order_id,
        status: invoice.status,
        amount: event.type === 'invoice.payment_failed' ? invoice.amount_due : invoice.amount_paid,
        subscription: typeof details?.subscription === 'string' && details.subscription.startsWith('sub_'),
        customer: typeof invoice.customer === 'string' && invoice.customer.startsWith('cus_'),
      };
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      return {
        order: dispute.metadata.order_id,
        status: dispute.status,
        amount: dispute.amount,
        charge: typeof dispute.charge === 'string' && dispute.charge.startsWith('ch_'),
        paymentIntent: typeof dispute.payment_intent === 'string' && dispute.payment_intent.startsWith('pi_'),
      };
    }
    default:
      return { type: event.type };
  }
}

test('the family events cover every new event type', () => {
  expect(new Set(familyEvents.map((e) => e.type))).toEqual(
    new Set([
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
      'checkout.session.async_payment_failed',
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice.payment_failed',
      'charge.dispute.created',
      'charge.dispute.closed',
    ]),
  );
});

test('every family event signed by our contract is accepted by constructEvent, unchanged', () => {
  for (const event of familyEvents) {
    const constructed = construct(event);
    expect(constructed.id).toBe(event.eventId);
    expect(constructed).toEqual(JSON.parse(fromUtf8(event.body)));
  }
});

test("the fields a stripe-node receiver reads give the fact's order, status and amount", () => {
  for (const event of familyEvents) {
    const reads = receiverReads(construct(event));
    const { fact } = event;
    expect({ type: event.type, ...reads }).toMatchObject({
      type: event.type,
      order: fact.orderId,
      amount: fact.amountMinor,
    });
    if (fact.subscription !== undefined) expect(reads.status).toBe(fact.subscription.status);
    for (const linked of ['period', 'subscription', 'customer', 'charge', 'paymentIntent'] as const) {
      if (linked in reads)
        expect({ type: event.type, [linked]: (reads as Record<string, unknown>)[linked] }).toEqual({
          type: event.type,
          [linked]: true,
        });
    }
  }
});

test('an expired Checkout Session, which no lifecycle plays, is one stripe-node reads as expired and unpaid', () => {
  const failed = worldOrders(19).orders.find((o) => o.lifecycle === 'paid-directly');
  const step = failed?.steps[0];
  if (step === undefined || 'subscriptionKey' in step) throw new Error('a paid-directly order has one payment step');
  const [built] = stripeFamilies.checkout.buildEvents({ ...step, kind: 'failed' }, []) ?? [];
  const body = every.encode(built?.event);
  const event = construct({ ...(familyEvents[0] as GatewayEvent), body, eventId: built?.eventId ?? '' });
  expect({ type: event.type, ...receiverReads(event) }).toEqual({
    type: 'checkout.session.expired',
    order: step.orderId,
    status: 'expired/unpaid',
    amount: step.amountMinor,
  });
  expect(every.toFact(every.eventSchema.parse(JSON.parse(fromUtf8(body))), event.id)).toMatchObject({ kind: 'failed' });
});
