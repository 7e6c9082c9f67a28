import { expect, test } from 'vitest';
import { deriveOrderState } from '../../contracts/lifecycle.js';
import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { stripeFamilies } from '../../contracts/providers/stripe.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf } from '../../simulator/events.js';
import { canPlay, type LifecycleKind, lifecycleKinds } from '../../simulator/world.js';
import { type FamilyId, familyIds, orderOf, withFamily, worldOrders } from './stripe-family-fixtures.js';

/**
 * Each Stripe family, alone beside the default PaymentIntents: the event types it sends for each lifecycle it can play,
 * in order, and the facts its events give ending where the lifecycle's name says.
 */
const completed = 'checkout.session.completed';
const paidInvoice = ['invoice.paid', 'invoice.payment_succeeded'];

/** The types a family sends where they differ from the default family's; every other playable lifecycle keeps those. */
// Keyed by name, not LifecycleKind: a lifecycle named here that the world lacks is simply never played.
const familyTypes: Record<FamilyId, Readonly<Record<string, readonly string[]>>> = {
  checkout: {
    paid: [completed, 'checkout.session.async_payment_succeeded'],
    'failed-then-paid': [
      completed,
      'checkout.session.async_payment_failed',
      completed,
      'checkout.session.async_payment_succeeded',
    ],
    failed: [completed, 'checkout.session.async_payment_failed'],
    pending: [completed],
    'partially-refunded': [completed, 'charge.refunded'],
    'refunded-in-two-parts': [completed, 'charge.refunded', 'charge.refunded'],
    'mismatched-amount': [completed, 'checkout.session.async_payment_succeeded'],
    'mismatched-amount-directly': [completed],
    'mismatched-currency': [completed],
    'paid-directly': [completed],
  },
  subscription: {
    'subscription-renewed': ['customer.subscription.created', ...paidInvoice, ...paidInvoice],
    'subscription-activated': ['customer.subscription.created', ...paidInvoice, 'customer.subscription.updated'],
    'subscription-past-due': [
      'customer.subscription.created',
      ...paidInvoice,
      'invoice.payment_failed',
      'customer.subscription.updated',
    ],
    'subscription-canceled': ['customer.subscription.created', ...paidInvoice, 'customer.subscription.deleted'],
  },
  dispute: {
    reversed: ['payment_intent.succeeded', 'charge.dispute.created'],
    'reversal-canceled': ['payment_intent.succeeded', 'charge.dispute.created', 'charge.dispute.closed'],
  },
};

const outcome: Readonly<Record<string, string>> = {
  paid: 'paid',
  'failed-then-paid': 'paid',
  failed: 'failed',
  pending: 'pending',
  'partially-refunded': 'partially_refunded',
  'refunded-in-two-parts': 'refunded',
  'mismatched-amount': 'flagged',
  'mismatched-amount-directly': 'flagged',
  'mismatched-currency': 'flagged',
  reversed: 'reversed',
  'reversal-canceled': 'paid',
  'paid-directly': 'paid',
  'subscription-renewed': 'active',
  'subscription-activated': 'active',
  'subscription-past-due': 'past_due',
  'subscription-canceled': 'canceled',
};

const defaultTypes = (kind: LifecycleKind) =>
  eventsOf(providers.stripe, orderOf(worldOrders(3).orders, kind)).map((e) => e.type);

test.each(familyIds)('the %s family plays the default lifecycles and its own, and no other', (id) => {
  const provider = withFamily(id);
  const own = Object.keys(familyTypes[id]);
  const expected = lifecycleKinds.filter((kind) => canPlay(providers.stripe, kind) || own.includes(kind));
  expect(lifecycleKinds.filter((kind) => canPlay(provider, kind))).toEqual(expected);
});

test.each(familyIds)('the %s family sends its event types in order for every lifecycle it plays', (id) => {
  const provider = withFamily(id);
  for (const order of worldOrders(3).orders.filter((o) => canPlay(provider, o.lifecycle))) {
    expect({ kind: order.lifecycle, types: eventsOf(provider, order).map((e) => e.type) }).toEqual({
      kind: order.lifecycle,
      types: familyTypes[id][order.lifecycle] ?? defaultTypes(order.lifecycle),
    });
  }
});

test.each(familyIds)("the %s family's facts end each lifecycle where its name says", (id) => {
  const provider = withFamily(id);
  for (const seed of [4, 21]) {
    for (const order of worldOrders(seed).orders.filter((o) => canPlay(provider, o.lifecycle))) {
      const facts = eventsOf(provider, order).map((e) => e.fact);
      expect({ kind: order.lifecycle, status: deriveOrderState(order, facts).status }).toEqual({
        kind: order.lifecycle,
        status: outcome[order.lifecycle],
      });
    }
  }
});

test.each(familyIds)("the %s family's events pass Stripe's envelope and event schemas, with unique ids", (id) => {
  const provider = withFamily(id);
  const { world, orders } = worldOrders(8);
  const playable = orders.filter((o) => canPlay(provider, o.lifecycle));
  const events = [...playable, ...playable.map((o) => world.twin(o))].flatMap((o) => eventsOf(provider, o));
  for (const event of events) {
    const json: unknown = JSON.parse(fromUtf8(event.body));
    expect(provider.envelopeSchema.safeParse(json).success).toBe(true);
    expect(provider.eventSchema.safeParse(json).error).toBeUndefined();
    expect((json as { id: string }).id).toBe(event.eventId);
  }
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
});

test.each(familyIds)('the %s family replays byte for byte from the seed', (id) => {
  const provider = withFamily(id);
  const bytes = (seed: number) =>
    worldOrders(seed)
      .orders.filter((o) => canPlay(provider, o.lifecycle))
      .flatMap((o) => eventsOf(provider, o).map((e) => fromUtf8(e.body)));
  expect(bytes(5)).toEqual(bytes(5));
  expect(bytes(5)).not.toEqual(bytes(6));
});

test('with every family, each step goes to the first family that has events for it', () => {
  const provider: Provider = { ...providers.stripe, families: stripeFamilies };
  const { orders } = worldOrders(3);
  const typesOf = (kind: LifecycleKind) => eventsOf(provider, orderOf(orders, kind)).map((e) => e.type);
  expect(typesOf('reversal-canceled')).toEqual([completed, 'charge.dispute.created', 'charge.dispute.closed']);
  expect(typesOf('subscription-canceled')).toEqual(familyTypes.subscription['subscription-canceled']);
});
