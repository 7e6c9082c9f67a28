import { eventsOf } from '../../simulator/events.js';
import { inSequence } from '../../simulator/plan.js';
import { defineScenario, everyProvider } from '../define.js';

/** Payments that succeed for another amount or currency than the order's: flagged, never fulfilled. */
export const consistencyAmount = defineScenario({
  guarantee: 'consistency.amount',
  diagnosis:
    "After verifying, compare the payment's amount and currency with the order's before fulfilling; a mismatch is " +
    'flagged for a person, not shipped.',
  appliesTo: everyProvider,
  plan({ provider, world, signing }) {
    const orders = [world.order('mismatched-amount'), world.order('mismatched-currency'), world.order('paid')];
    const events = orders.flatMap((order) => eventsOf(provider, order));
    return {
      orders,
      phases: [{ name: 'payments, two of them mismatched', steps: inSequence(signing, events), applied: events }],
    };
  },
});
