import { eventsOf } from '../../simulator/events.js';
import { reformatNames, reformatted } from '../../simulator/faults/reformat.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider, type ScenarioPhase } from '../define.js';
import { lifecyclesFor } from './helpers.js';

/** Lifecycles whose events cover payments, failures and refunds, cycled over the reformats. */
const lifecycles: readonly LifecycleKind[] = [
  'failed-then-paid',
  'refunded-in-two-parts',
  'paid',
  'partially-refunded',
  'reversal-canceled',
  'subscription-canceled',
];

/**
 * One order per reformat: every event of the order delivered once, in its natural order, in that reformatted shape
 * (key order, whitespace, escapes, unknown fields, content type, header case, the provider's own: API versions,
 * charsets). One phase per order, named after its reformat, so both kinds of finding name it: a refused delivery
 * carries the reformat's name, and an order left in the wrong state is reported after the phase of its reformat.
 */
export const compatReformat = defineScenario({
  guarantee: 'compat.reformat',
  diagnosis:
    'Verify the raw bytes as received, then parse them with a real JSON (or form) parser that ignores key order, ' +
    'whitespace and escapes; validate leniently (unknown fields and other API versions are normal), match the ' +
    'Content-Type by media type only, and read header names case-insensitively.',
  appliesTo: everyProvider,
  plan({ provider, world, signing, random }) {
    const playable = lifecyclesFor(provider, lifecycles);
    const names = random.shuffle(reformatNames(provider));
    const planned = names.map((name, i) => {
      const order = world.order(playable[i % playable.length] ?? 'paid');
      return { name, order, events: eventsOf(provider, order) };
    });
    const phases = planned.map(
      ({ name, order, events }): ScenarioPhase => ({
        name: `the events of ${order.orderId} as "${name}"`,
        steps: events.map((event) => [reformatted(signing, event, name)]),
        applied: events,
      }),
    );
    return { orders: planned.map((p) => p.order), phases };
  },
});
