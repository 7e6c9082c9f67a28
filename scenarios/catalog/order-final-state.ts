import { eventsOf } from '../../simulator/events.js';
import { newestFirst, shuffled } from '../../simulator/faults/reorder.js';
import { deliveryOf } from '../../simulator/plan.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider } from '../define.js';
import { lifecyclesFor } from './helpers.js';

const lifecycles: readonly LifecycleKind[] = [
  'failed-then-paid',
  'refunded-in-two-parts',
  'failed',
  'partially-refunded',
  'paid',
  'reversal-canceled',
  'subscription-activated',
  'subscription-canceled',
  'subscription-past-due',
];

/** Half the orders' events arrive newest-first, the rest in a seeded shuffle; the final state must not care. */
export const orderFinalState = defineScenario({
  guarantee: 'order.final-state',
  diagnosis:
    "Derive an order's state from the gateway's facts (event times, cumulative amounts), not from arrival order: a " +
    'late, stale event (pending after paid, an early refund total after a later one) must never move it backwards.',
  appliesTo: everyProvider,
  plan({ provider, world, signing, random }) {
    const orders = lifecyclesFor(provider, lifecycles).map((kind) => world.order(kind));
    const perOrder = orders.map((order, i) => {
      const events = eventsOf(provider, order);
      return i % 2 === 0 ? newestFirst(events) : shuffled(events, random);
    });
    const steps = perOrder.flatMap((events) =>
      events.map((event, position) => [
        deliveryOf(signing, event, {
          fault: { kind: 'reordered', detail: `arrives ${position + 1} of ${events.length}` },
        }),
      ]),
    );
    return {
      orders,
      phases: [{ name: 'events in a different order than they happened', steps, applied: perOrder.flat() }],
    };
  },
});
