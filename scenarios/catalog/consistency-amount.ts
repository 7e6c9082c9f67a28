import { eventsOf } from '../../simulator/events.js';
import { paidToAnotherAccount } from '../../simulator/faults/postback-forge.js';
import { inSequence, type PlanStep } from '../../simulator/plan.js';
import { defineScenario, everyProvider } from '../define.js';

/** Payments that succeed for another amount or currency than the order's: flagged, never fulfilled. */
export const consistencyAmount = defineScenario({
  guarantee: 'consistency.amount',
  // Its orders are the rule's own test (amounts and currencies), so they are judged by the rule, not by twins.
  judgement: 'rule',
  diagnosis:
    "After verifying, compare the payment's amount and currency with the order's before fulfilling; a mismatch is " +
    "flagged for a person, not shipped. Read amounts in the currency's own exponent (JPY has no decimals, KWD three). " +
    'Where the gateway names the payee (PayPal receiver_email), check it is you.',
  appliesTo: everyProvider,
  plan({ provider, world, signing }) {
    // Exact payments in a zero-decimal and a three-decimal currency too: a receiver reading every amount as cents shows.
    const orders = [
      world.order('mismatched-amount'),
      world.order('mismatched-currency'),
      world.order('paid'),
      world.order('paid', { currency: 'JPY' }),
      world.order('paid', { currency: 'KWD' }),
    ];
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
