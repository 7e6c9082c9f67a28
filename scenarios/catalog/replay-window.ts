import { eventsOf } from '../../simulator/events.js';
import { replayed, replayOffsets } from '../../simulator/faults/forge.js';
import { inSequence } from '../../simulator/plan.js';
import { defineScenario } from '../define.js';
import { genuineLifecycle, lastEvent } from './helpers.js';

/** Correctly signed deliveries with a timestamp outside the tolerance, each on a fresh order; then the genuine ones. */
export const replayWindow = defineScenario({
  guarantee: 'auth.replay-window',
  // A receiver that accepts forgeries accepts stale signatures too: that is auth.forged-rejected's finding.
  dependsOn: ['auth.forged-rejected'],
  diagnosis:
    "Compare the signed timestamp with the current time and reject it outside the provider's tolerance; " +
    'a valid signature alone does not make an old delivery fresh.',
  appliesTo: (provider) => provider.tolerance !== null,
  plan({ provider, world, signing }) {
    const offsets = replayOffsets(provider);
    const orders = offsets.map(() => world.order(genuineLifecycle(provider)));
    const events = orders.map((order) => eventsOf(provider, order));
    const stale = offsets.map((offset, i) => [replayed(signing, lastEvent(events[i] ?? []), offset)]);
    const genuine = events.flat();
    return {
      orders,
      phases: [
        { name: 'replayed deliveries', steps: stale, applied: [] },
        { name: 'the genuine deliveries', steps: inSequence(signing, genuine), applied: genuine },
      ],
    };
  },
});
