import { eventsOf } from '../../simulator/events.js';
import { paidToAnotherAccount } from '../../simulator/faults/postback-forge.js';
import { inSequence, type PlanStep } from '../../simulator/plan.js';
import { defineScenario, everyProvider } from '../define.js';

/** Payments that succeed for another amount or currency than the order's: flagged, never fulfilled. */
export const consistencyAmount = defineScenario({
  guarantee: 'consistency.amount',
  diagnosis:
    "After verifying, compare the payment's amount and currency with the order's before fulfilling; a mismatch is " +
    'flagged for a person, not shipped. Where the gateway names the payee (PayPal receiver_email), check it is you.',
  appliesTo: everyProvider,
  plan({ provider, world, signing }) {
    const orders = [world.order('mismatched-amount'), world.order('mismatched-currency'), world.order('paid')];
    const events = orders.flatMap((order) => eventsOf(provider, order));
    const phases = [{ name: 'payments, two of them mismatched', steps: inSequence(signing, events), applied: events }];
    if (provider.payTo === undefined) return { orders, phases };
    // Where events name the payee (PayPal receiver_email): a genuine payment to another merchant naming this order.
    const elsewhere = world.order('paid');
    const [pending, ...paid] = eventsOf(provider, elsewhere);
    const steps: PlanStep[] = [
      ...(pending === undefined ? [] : inSequence(signing, [pending])),
      ...paid.map((event) => [paidToAnotherAccount(signing, event)]),
    ];
    return {
      orders: [...orders, elsewhere],
      phases: [
        ...phases,
        { name: 'a genuine payment to another receiver_email', steps, applied: pending === undefined ? [] : [pending] },
      ],
    };
  },
});
