import { z } from 'zod';

/** The guarantee catalog: what a receiver must show. Each guarantee is checked by one checker in `scenarios/`. */
export const GuaranteeIdSchema = z.enum([
  'baseline.applied',
  'auth.forged-rejected',
  'auth.replay-window',
  'auth.verified-postback',
  'auth.crc-not-an-oracle',
  'idem.sequential',
  'idem.concurrent',
  'idem.resigned',
  'idem.after-timeout',
  'order.final-state',
  'consistency.amount',
  'consistency.no-loss',
  'consistency.reconciled',
  'compat.reformat',
  'compat.rotation',
  'compat.unhandled-events',
  'liveness.ack-latency',
  'robust.bad-input',
]);
export type GuaranteeId = z.infer<typeof GuaranteeIdSchema>;

export interface Guarantee {
  readonly id: GuaranteeId;
  readonly title: string;
  /** What the receiver must do, in one sentence. */
  readonly requirement: string;
  /** What the checker looks at to decide. */
  readonly evidence: string;
}

export const guarantees: readonly Guarantee[] = [
  {
    id: 'baseline.applied',
    title: 'Genuine deliveries are applied',
    requirement:
      "Each genuine event, delivered once and in order, moves its order as the gateway's truth says: every fact " +
      '(payment, failure, refund, reversal) and every currency exponent (0, 2 and 3 decimals) the run uses.',
    evidence:
      'The probe state of baseline orders against the lifecycle rule; the other guarantees are judged only where ' +
      'the baseline holds.',
  },
  {
    id: 'auth.forged-rejected',
    title: 'Forged deliveries are rejected',
    requirement:
      'No forged, tampered, unsigned, wrong-secret or wrong-scheme delivery changes state; the genuine one still does.',
    evidence: 'A non-2xx answer and unchanged probe state for each forgery, then the genuine delivery applied.',
  },
  {
    id: 'auth.replay-window',
    title: 'Replays outside the tolerance are rejected',
    requirement:
      "A correctly signed delivery whose timestamp is outside the provider's tolerance is rejected (timestamped schemes).",
    evidence:
      'A non-2xx answer and unchanged probe state for stale (and, where the scheme says so, future) timestamps.',
  },
  {
    id: 'auth.verified-postback',
    title: 'Only gateway-verified IPNs are applied',
    requirement:
      'PayPal classic: an IPN the gateway answers INVALID to, or one for another receiver_email, is not applied.',
    evidence: 'Probe state after the delivery.',
  },
  {
    id: 'auth.crc-not-an-oracle',
    title: 'The challenge is answered, and signs nothing else',
    requirement:
      'X: GET ?crc_token= is answered with sha256= + base64 HMAC of the token within 3 s, and only for opaque tokens: ' +
      'an event body sent as crc_token is not signed (else its answer forges a POST).',
    evidence: 'The CRC answers, the receiver accepting no POST signed by its own CRC endpoint, and probe state.',
  },
  {
    id: 'idem.sequential',
    title: 'Sequential duplicates have one effect',
    requirement: 'A delivery repeated N times has its effect once.',
    evidence: 'Probe fulfillments, refunds and amounts against the lifecycle rule.',
  },
  {
    id: 'idem.concurrent',
    title: 'Concurrent duplicates have one effect',
    requirement: 'N copies delivered at the same instant have their effect once.',
    evidence: 'Probe fulfillments, refunds and amounts, with the copies released together behind a barrier.',
  },
  {
    id: 'idem.resigned',
    title: 'Re-signed duplicates have one effect',
    requirement:
      'The same event re-sent with a new timestamp and a new signature (and delivery id) has its effect once.',
    evidence: 'Probe fulfillments, refunds and amounts.',
  },
  {
    id: 'idem.after-timeout',
    title: 'Retries after a timeout have one effect',
    requirement: 'The gateway times out (slow receiver, connection cut after the body) and retries: effect once.',
    evidence: 'Probe fulfillments, refunds and amounts.',
  },
  {
    id: 'order.final-state',
    title: 'Arrival order does not change the outcome',
    requirement:
      "Whatever the arrival order of an order's events, its final state is the one the gateway's truth says.",
    evidence: 'Probe status and amounts against the lifecycle rule, after newest-first and shuffled deliveries.',
  },
  {
    id: 'consistency.amount',
    title: 'Mismatched payments are flagged, not fulfilled',
    requirement: 'A payment whose amount, currency or payee differs from the order is not fulfilled (status flagged).',
    evidence: 'Probe status and fulfillments.',
  },
  {
    id: 'consistency.no-loss',
    title: 'Acknowledged means applied',
    requirement: 'Every event the receiver acknowledged (2xx) is applied, also across a crash of the receiver.',
    evidence: 'Probe state after a restart.',
  },
  {
    id: 'consistency.reconciled',
    title: 'What the webhook never delivered is recovered from the gateway',
    requirement:
      "After an outage longer than the gateway's retries, every event the gateway created is applied exactly once: " +
      'the receiver pages through the gateway’s event list from a durable cursor and feeds what it finds through the ' +
      'same inbox as its webhooks, so a later redelivery changes nothing.',
    evidence: "Probe state after the receiver reconciled; the list calls it made to the gateway's API.",
  },
  {
    id: 'compat.reformat',
    title: 'Semantically equal deliveries are accepted',
    requirement:
      'Deliveries in another shape (field order, whitespace, unicode escapes, extra fields, API versions, charsets, header case) are accepted and applied.',
    evidence: 'A 2xx answer and the probe state.',
  },
  {
    id: 'compat.rotation',
    title: 'Rotated secrets are accepted',
    requirement: 'A header carrying signatures by the old and the new secret, only one of them valid, is accepted.',
    evidence: 'A 2xx answer and the probe state, with the valid signature first and last.',
  },
  {
    id: 'compat.unhandled-events',
    title: 'Events it cannot use are acknowledged',
    requirement:
      'A genuine event the receiver cannot use (for an order it does not know, without the order reference, of a type ' +
      'it does not handle) is answered 2xx and changes no order: a refusal makes the gateway retry it for days and ' +
      'may disable the endpoint.',
    evidence:
      'A 2xx answer to each such event, and the probe state of the orders whose events arrived without their reference ' +
      'or under another type (signature schemes).',
  },
  {
    id: 'liveness.ack-latency',
    title: 'Acknowledged within the gateway timeout',
    requirement: "The receiver acknowledges within the provider's timeout, also under load.",
    evidence: 'Acknowledgement latencies in the delivery history.',
  },
  {
    id: 'robust.bad-input',
    title: 'Bad input gets a 4xx, never a crash',
    requirement:
      'Malformed bodies, wrong content types, huge bodies and broken encodings get a 4xx, never a 5xx, and the receiver stays healthy.',
    evidence: 'The answers and the health endpoint.',
  },
];

export function guarantee(id: GuaranteeId): Guarantee {
  const found = guarantees.find((g) => g.id === id);
  if (!found) throw new Error(`guarantee ${id} is missing from the catalog`);
  return found;
}
