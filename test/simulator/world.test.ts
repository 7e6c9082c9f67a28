import { expect, test } from 'vitest';
import { decodeBody } from '../../contracts/decode.js';
import { deriveOrderState } from '../../contracts/lifecycle.js';
import { providers } from '../../contracts/providers/index.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { canPlay, createWorld, type LifecycleKind, lifecycleKinds } from '../../simulator/world.js';
import { eventBytes } from '../support/event-bytes.js';

const build = (seed: number) => {
  const world = createWorld({ random: createRandom(seed), runId: 'w', startSeconds: 1_800_000_000 });
  return lifecycleKinds.map((kind) => world.order(kind));
};

test('the same seed builds the same world and a different seed another', () => {
  expect(build(5)).toEqual(build(5));
  expect(build(5)).not.toEqual(build(6));
});

test("every order's events have strictly increasing gateway times and unique ids", () => {
  for (const order of build(9)) {
    const times = order.steps.map((s) => s.createdAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(new Set(order.steps.map((s) => s.eventKey)).size).toBe(order.steps.length);
  }
});

const outcome: Record<LifecycleKind, string> = {
  paid: 'paid',
  'failed-then-paid': 'paid',
  failed: 'failed',
  pending: 'pending',
  'partially-refunded': 'partially_refunded',
  'refunded-in-two-parts': 'refunded',
  'mismatched-amount': 'flagged',
  'mismatched-currency': 'flagged',
  reversed: 'reversed',
  'reversal-canceled': 'paid',
  'paid-directly': 'paid',
  'mismatched-amount-directly': 'flagged',
  'subscription-renewed': 'active',
  'subscription-activated': 'active',
  'subscription-past-due': 'past_due',
  'subscription-canceled': 'canceled',
};

test('the rule ends each lifecycle where its name says', () => {
  for (const order of build(21)) {
    const facts = order.steps.map((s) => ({
      eventId: s.eventKey,
      orderId: s.orderId,
      kind: s.kind,
      amountMinor: s.amountMinor,
      currency: s.currency,
      occurredAt: s.createdAt,
      ...('refund' in s && s.refund !== undefined
        ? { refund: { id: s.refund.key, amountMinor: s.refund.amountMinor } }
        : {}),
      ...('subscriptionKey' in s && s.status !== undefined
        ? { subscription: { id: s.subscriptionKey, status: s.status } }
        : {}),
      ...('subscriptionKey' in s && s.invoiceKey !== undefined ? { invoice: { id: s.invoiceKey } } : {}),
    }));
    expect({ kind: order.lifecycle, status: deriveOrderState(order, facts).status }).toEqual({
      kind: order.lifecycle,
      status: outcome[order.lifecycle],
    });
  }
});

test.each(Object.values(providers))(
  'each lifecycle $title can play ends where its name says, through its events',
  (provider) => {
    for (const order of build(21).filter((o) => canPlay(provider, o.lifecycle))) {
      const facts = eventsOf(provider, order).map((e) => e.fact);
      expect({ kind: order.lifecycle, status: deriveOrderState(order, facts).status }).toEqual({
        kind: order.lifecycle,
        status: outcome[order.lifecycle],
      });
    }
  },
);

test.each(Object.values(providers))('$title events validate against its own schemas', (provider) => {
  for (const order of build(4).filter((o) => canPlay(provider, o.lifecycle))) {
    for (const event of eventsOf(provider, order)) {
      const decoded = decodeBody(provider, eventBytes(provider, event.body), {});
      const json: unknown = decoded.ok ? decoded.value : decoded.reason;
      expect(provider.envelopeSchema.safeParse(json).success).toBe(true);
      expect(provider.eventSchema.safeParse(json).success).toBe(true);
    }
  }
});
