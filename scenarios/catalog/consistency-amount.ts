import { eventsOf } from '../../simulator/events.js';
import { paidToAnotherAccount } from '../../simulator/faults/postback-forge.js';
import { inSequence, type PlanStep } from '../../simulator/plan.js';
import { canPlay } from '../../simulator/world.js';
import { defineScenario } from '../define.js';
import { lifecyclesFor } from './helpers.js';

/** Payments that succeed for another amount or currency than the order's: flagged, never fulfilled. */
export const consistencyAmount = defineScenario({
  guarantee: 'consistency.amount',
  // Its orders are the rule's own test (amounts and currencies), so they are judged by the rule, not by twins.
  judgement: 'rule',
  diagnosis:
    "After verifying, compare the payment's amount and currency with the order's before fulfilling; a mismatch is " +
    "flagged for a person, not shipped. Read amounts in the currency's own exponent (JPY has no decimals, KWD three). " +
    'Where the gateway names the payee (PayPal receiver_email), check it is you.',
  // Amounts are a payment's: a receiver that models no successful payment has nothing to flag.
  appliesTo: (provider) => canPlay(provider, 'paid-directly'),
  plan({ provider, world, signing, currencies }) {
    const [paid = 'paid-directly'] = lifecyclesFor(provider, ['paid']);
    const [mismatched = 'mismatched-amount-directly'] = lifecyclesFor(provider, ['mismatched-amount']).filter(
      (kind) => kind === 'mismatched-amount',
    );
    // Exact payments in a zero-decimal and a three-decimal currency too, where the receiver sells in them: a receiver
    // reading every amount as cents shows.
    const exponents = ['JPY', 'KWD'].filter((c) => currencies === undefined || currencies.includes(c));
    const orders = [
      world.order(mismatched),
      ...(currencies === undefined || currencies.length > 1 ? [world.order('mismatched-currency')] : []),
      world.order(paid),
      ...exponents.map((currency) => world.order(paid, { currency })),
    ];
    const events = orders.flatMap((order) => eventsOf(provider, order));
    const phases = [{ name: 'payments, two of them mismatched', steps: inSequence(signing, events), applied: events }];
    if (provider.payTo === undefined) return { orders, phases };
    // Where events name the payee (PayPal receiver_email): a genuine payment to another merchant naming this order.
    const elsewhere = world.order(paid);
    const elsewhereEvents = eventsOf(provider, elsewhere);
    const pending = elsewhereEvents.find((event) => event.fact.kind === 'pending');
    const steps: PlanStep[] = [
      ...(pending === undefined ? [] : inSequence(signing, [pending])),
      ...elsewhereEvents.filter((e) => e !== pending).map((event) => [paidToAnotherAccount(signing, event)]),
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
