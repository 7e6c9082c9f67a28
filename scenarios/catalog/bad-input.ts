import { eventsOf } from '../../simulator/events.js';
import { malformedDeliveries } from '../../simulator/faults/malformed.js';
import { inSequence } from '../../simulator/plan.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider } from '../define.js';
import { lifecyclesFor } from './helpers.js';

/** Malformed deliveries of each kind; kept small so the scenario stays quick, drawn afresh from each seed. */
const PER_KIND = 3;

const lifecycles: readonly LifecycleKind[] = ['paid', 'partially-refunded', 'failed-then-paid', 'subscription-renewed'];

/**
 * Between genuine deliveries, a stream of malformed ones (bad JSON, truncated, oversized, wrong content type, invalid
 * UTF-8, a header twice, `__proto__` keys, deep nesting, empty), signed and unsigned: never a 5xx, a reset or a hang,
 * the health check stays green, no order changes, and the genuine last events still apply afterwards.
 */
export const robustBadInput = defineScenario({
  guarantee: 'robust.bad-input',
  // Signed malformed copies that still parse are (re-signed) duplicates in another shape: applying them twice is
  // idempotency's finding, not this guarantee's.
  dependsOn: ['idem.sequential', 'idem.resigned'],
  diagnosis:
    'Answer every request you cannot use with a 4xx (or a 2xx when you keep a signed but unusable one aside): parse ' +
    'inside try/catch, cap body size and nesting, check the content type, read each header once, and never copy ' +
    'parsed keys onto objects (prototype pollution). A 5xx makes the gateway retry the garbage for days.',
  appliesTo: everyProvider,
  plan({ provider, world, signing, random }) {
    const kinds = lifecyclesFor(provider, lifecycles);
    const orders = kinds.map((kind) => world.order(kind));
    const perOrder = orders.map((order) => eventsOf(provider, order));
    let before = perOrder.flatMap((events) => events.slice(0, -1));
    const last = perOrder.flatMap((events) => events.slice(-1));
    if (before.length === 0) {
      // Single-event lifecycles (a receiver modelling successes only): the malformed copies are made from orders
      // applied whole beforehand, so a copy that still parses is a duplicate, never the first delivery of an event.
      const earlier = kinds.map((kind) => world.order(kind));
      orders.push(...earlier);
      before = earlier.flatMap((order) => eventsOf(provider, order));
    }
    const garbage = malformedDeliveries(signing, before, random.int(0, 2 ** 30), PER_KIND);
    const lateGarbage = malformedDeliveries(signing, last, random.int(0, 2 ** 30), 1);
    return {
      orders,
      phases: [
        { name: 'genuine deliveries', steps: inSequence(signing, before), applied: before },
        {
          name: 'malformed deliveries',
          steps: random.shuffle(garbage).map((delivery) => [delivery]),
          applied: [],
        },
        { name: 'genuine deliveries after the malformed ones', steps: inSequence(signing, last), applied: last },
        { name: 'malformed copies of the last events', steps: lateGarbage.map((d) => [d]), applied: [] },
      ],
    };
  },
});
