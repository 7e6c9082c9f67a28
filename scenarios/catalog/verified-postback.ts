import { eventsOf } from '../../simulator/events.js';
import { postbackForgery, postbackForgeryNames } from '../../simulator/faults/postback-forge.js';
import { inSequence, type PlanStep } from '../../simulator/plan.js';
import { defineScenario } from '../define.js';
import { genuineLifecycle, lastEvent, lifecyclesFor } from './helpers.js';

/**
 * PayPal classic IPN: forged and changed IPNs (never sent by the gateway, amount or receiver_email changed after
 * sending, re-encoded, reordered), each on its own fresh order, interleaved with genuine IPNs of other orders; then the
 * forged orders' genuine IPNs. None of the forged may be applied; every genuine one is applied once.
 */
export const verifiedPostback = defineScenario({
  guarantee: 'auth.verified-postback',
  diagnosis:
    'Post the exact bytes received back to the gateway (cmd=_notify-validate& + the raw body, same field order and ' +
    'charset; never a re-encoded form) and apply the IPN only when it answers VERIFIED; then check receiver_email.',
  appliesTo: (provider) => provider.authentication === 'postback',
  plan({ provider, world, signing }) {
    const names = postbackForgeryNames(signing);
    const targets = names.map(() => world.order(genuineLifecycle(provider)));
    const genuineOrders = lifecyclesFor(provider, ['paid', 'failed-then-paid', 'refunded-in-two-parts']).map((kind) =>
      world.order(kind),
    );
    const targetEvents = targets.map((order) => eventsOf(provider, order));
    const genuineEvents = genuineOrders.map((order) => eventsOf(provider, order));
    const genuineSteps = genuineEvents.map((events) => inSequence(signing, events));
    const interleaved: PlanStep[] = [];
    for (let i = 0; i < Math.max(names.length, genuineSteps.length); i += 1) {
      const name = names[i];
      if (name !== undefined) interleaved.push([postbackForgery(signing, name, lastEvent(targetEvents[i] ?? []))]);
      interleaved.push(...(genuineSteps[i] ?? []));
    }
    return {
      orders: [...targets, ...genuineOrders],
      phases: [
        {
          name: 'forged IPNs interleaved with genuine ones',
          steps: interleaved,
          applied: genuineEvents.flat(),
        },
        {
          name: "the forged orders' genuine IPNs",
          steps: targetEvents.flatMap((events) => inSequence(signing, events)),
          applied: targetEvents.flat(),
        },
      ],
    };
  },
});
