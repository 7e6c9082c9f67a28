import { eventsOf } from '../../simulator/events.js';
import { fetchForgery, fetchForgeryNames } from '../../simulator/faults/fetch-forge.js';
import { forgery, forgeryNames } from '../../simulator/faults/forge.js';
import { inSequence } from '../../simulator/plan.js';
import { defineScenario, type PhaseIo } from '../define.js';
import {
  type CertificateObservations,
  certificateCanaryFindings,
  certificateForgeryNames,
  driveCertificateForgeries,
} from './certificate-forgeries.js';
import { genuineLifecycle, lastEvent } from './helpers.js';

/** Each forgery of a payment lands on its own fresh order; then the genuine events, which must apply. */
export const forgedRejected = defineScenario({
  guarantee: 'auth.forged-rejected',
  diagnosis:
    'Verify the signature over the exact raw bytes before anything else, with the endpoint secret, in constant time; ' +
    'a missing or malformed signature header is a rejection, never a pass. Where the webhook carries only an id ' +
    "(Mollie), fetch the object from the gateway's API and act on what it answers, never on posted fields.",
  // Postback providers have no signature to forge; auth.verified-postback sends them their forgeries.
  appliesTo: (provider) => provider.authentication !== 'postback',
  judge: (record) =>
    record.phases.flatMap((phase) =>
      phase.observations === null || phase.observations === undefined
        ? []
        : certificateCanaryFindings(phase.name, phase.observations as CertificateObservations),
    ),
  plan({ provider, world, signing }) {
    const decoy = lastEvent(eventsOf(provider, world.order(genuineLifecycle(provider))));
    // A webhook that carries only an id (Mollie) has no signature to forge: ids never issued and lying fields instead.
    const fetched = provider.fetch !== undefined;
    const names = fetched ? fetchForgeryNames(provider) : forgeryNames(provider);
    const orders = names.map(() => world.order(genuineLifecycle(provider)));
    const events = orders.map((order) => eventsOf(provider, order));
    const forged = names.map((name, i) => {
      const target = lastEvent(events[i] ?? []);
      return [fetched ? fetchForgery(signing, name, target) : forgery(signing, name, target, decoy)];
    });
    // Certificate schemes (PayPal REST): forgeries that need the body and the webhook id, and cert URLs that reach the
    // attacker's canary (a foreign host, or PayPal's host with a path or authority trick).
    const certified =
      provider.certificateUrlHeader === undefined
        ? []
        : certificateForgeryNames.map(() => world.order(genuineLifecycle(provider)));
    const certifiedEvents = certified.map((order) => eventsOf(provider, order));
    const certificatePhase = 'certificate forgeries (another key, signed-int CRC, foreign and trick cert URLs)';
    const genuine = [...events, ...certifiedEvents].flat();
    return {
      orders: [...orders, ...certified],
      phases: [
        { name: 'forged deliveries', steps: forged, applied: [] },
        ...(certified.length === 0
          ? []
          : [
              {
                name: certificatePhase,
                steps: [],
                applied: [],
                drive: (io: PhaseIo) =>
                  driveCertificateForgeries(provider, signing, certifiedEvents.map(lastEvent), io),
              },
            ]),
        { name: 'the genuine deliveries', steps: inSequence(signing, genuine), applied: genuine },
      ],
    };
  },
});
