import { eventsOf } from '../../simulator/events.js';
import { deliveryOf, type PlanStep, retryOf } from '../../simulator/plan.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider } from '../define.js';
import { lifecyclesFor } from './helpers.js';

/** How long the gateway waits on the first attempt before it gives up: the request is sent, the answer never read. */
const GIVE_UP_AFTER_MS = 25;

const lifecycles: readonly LifecycleKind[] = [
  'paid',
  'partially-refunded',
  'refunded-in-two-parts',
  'subscription-renewed',
];

/**
 * The gateway gives up on each event's first delivery after its body is sent (a timeout on the gateway's side) and
 * retries at once, while the receiver may still be working on the first: the effect must happen once.
 */
export const idemAfterTimeout = defineScenario({
  guarantee: 'idem.after-timeout',
  // A retry arriving while the first attempt is processed is a concurrent copy: if those apply twice, so does this.
  // It is signed anew as it leaves, so it carries a new signature whenever the second has changed: a receiver that
  // applies re-signed copies twice (idem.resigned) applies it twice or not depending on the clock, so it is not judged.
  dependsOn: ['idem.sequential', 'idem.concurrent', 'idem.resigned'],
  diagnosis:
    'Record the event id (unique, in the same transaction as the work) before any slow processing, and answer fast: ' +
    'a retry that arrives while the first attempt is still being processed must find it and change nothing.',
  appliesTo: everyProvider,
  plan({ provider, world, signing }) {
    const orders = lifecyclesFor(provider, lifecycles).map((kind) => world.order(kind));
    const events = orders.flatMap((order) => eventsOf(provider, order));
    const steps: PlanStep[] = events.flatMap((event) => {
      const first = deliveryOf(signing, event, {
        expect: 'abandoned',
        timeoutMs: GIVE_UP_AFTER_MS,
        fault: { kind: 'timed-out', detail: `the gateway stopped waiting after ${GIVE_UP_AFTER_MS} ms` },
      });
      // The gateway's second attempt of the same delivery, signed anew as it leaves.
      return [[first], [retryOf(first, { fault: { kind: 'duplicate', detail: 'retried at once after the timeout' } })]];
    });
    return {
      orders,
      phases: [{ name: 'each event timed out once, then retried', steps, applied: events }],
    };
  },
});
