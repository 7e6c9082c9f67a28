import { eventsOf } from '../../simulator/events.js';
import { forgery, forgeryNames } from '../../simulator/faults/forge.js';
import { inSequence } from '../../simulator/plan.js';
import { defineScenario } from '../define.js';
import { lastEvent } from './helpers.js';

/** Each forgery of a payment lands on its own fresh order; then the genuine events, which must apply. */
export const forgedRejected = defineScenario({
  guarantee: 'auth.forged-rejected',
  diagnosis:
    'Verify the signature over the exact raw bytes before anything else, with the endpoint secret, in constant time; ' +
    'a missing or malformed signature header is a rejection, never a pass.',
  // Postback providers have no signature to forge; auth.verified-postback sends them their forgeries.
  appliesTo: (provider) => provider.authentication !== 'postback',
  plan({ provider, world, signing }) {
    const decoy = lastEvent(eventsOf(provider, world.order('paid')));
    const names = forgeryNames(provider);
    const orders = names.map(() => world.order('paid'));
    const events = orders.map((order) => eventsOf(provider, order));
    const forged = names.map((name, i) => [forgery(signing, name, lastEvent(events[i] ?? []), decoy)]);
    const genuine = events.flat();
    return {
      orders,
      phases: [
        { name: 'forged deliveries', steps: forged, applied: [] },
        { name: 'the genuine deliveries', steps: inSequence(signing, genuine), applied: genuine },
      ],
    };
  },
});
