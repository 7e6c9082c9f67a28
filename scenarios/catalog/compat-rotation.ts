import { eventsOf } from '../../simulator/events.js';
import { rotated } from '../../simulator/faults/forge.js';
import { defineScenario } from '../define.js';
import { genuineLifecycle } from './helpers.js';

/** While a secret rotates, every delivery carries two signatures; only one verifies. Valid first, then valid last. */
export const compatRotation = defineScenario({
  guarantee: 'compat.rotation',
  diagnosis:
    'Try every signature of the scheme in the header (all v1 entries), not only the first, and accept when any ' +
    'matches.',
  appliesTo: (provider) => provider.multipleSignatures,
  plan({ provider, world, signing }) {
    const orders = [world.order(genuineLifecycle(provider)), world.order(genuineLifecycle(provider))];
    const [first = [], last = []] = orders.map((order) => eventsOf(provider, order));
    const steps = [
      ...first.map((event) => [rotated(signing, event, 'first')]),
      ...last.map((event) => [rotated(signing, event, 'last')]),
    ];
    return {
      orders,
      phases: [{ name: 'deliveries signed by the old and the new secret', steps, applied: [...first, ...last] }],
    };
  },
});
