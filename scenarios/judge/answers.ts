import type { AttemptRecord } from '../record/run-record.js';
import type { AttemptSummary, Finding, FindingReason } from '../verdict.js';

/** An attempt as a finding lists it: what was sent, what it expected, what came back (the receiver's own words). */
export function summarize(attempt: AttemptRecord): AttemptSummary {
  return {
    deliveryId: attempt.deliveryId,
    attempt: attempt.attempt,
    eventId: attempt.eventId,
    label: attempt.label,
    fault: attempt.fault === null ? null : `${attempt.fault.kind}: ${attempt.fault.detail}`,
    expected: attempt.expect,
    statusCode: attempt.statusCode,
    outcome: attempt.outcome,
    detail: attempt.detail,
  };
}

/** The gateway stopped waiting for the answer (its timeout), as the deliverer records it. */
export function timedOut(attempt: AttemptRecord): boolean {
  return (
    attempt.statusCode === null &&
    /TimeoutError|aborted due to timeout|UND_ERR_(HEADERS|BODY)_TIMEOUT|did not end within/i.test(attempt.detail)
  );
}

/** No HTTP answer at all: refused, reset or closed connections (a receiver that went down). */
export function unanswered(attempt: AttemptRecord): boolean {
  return attempt.statusCode === null && !timedOut(attempt);
}

/**
 * Whether an attempt got the answer its delivery expects. A genuine delivery that timed out is not judged here: the
 * receiver's latency is `liveness.ack-latency`'s to judge, and what it did with the event is unknown.
 */
export function answeredAsExpected(attempt: AttemptRecord): boolean {
  switch (attempt.expect) {
    case 'accept':
      return attempt.outcome === 'ok' || timedOut(attempt);
    case 'reject':
      return attempt.outcome !== 'ok';
    case 'survive':
      return attempt.outcome !== 'info';
    case 'abandoned':
      return true;
  }
}

function reasonFor(attempt: AttemptRecord): FindingReason {
  switch (attempt.expect) {
    case 'reject':
      return 'answer.accepted-forged';
    case 'survive':
      return 'answer.crashed';
    default:
      return 'answer.refused-genuine';
  }
}

function problemOf(a: AttemptRecord): string {
  const answer = a.statusCode === null ? `no answer (${a.detail})` : `${a.statusCode}`;
  const said = a.statusCode === null || a.detail === '' ? '' : `: ${a.detail}`;
  switch (a.expect) {
    case 'accept':
      return `a genuine ${a.label}${a.fault ? ` (${a.fault.detail})` : ''} was refused with ${answer}${said}`;
    case 'reject':
      return `${a.fault?.detail ?? 'a forged delivery'} was accepted with ${a.statusCode}${said}`;
    case 'survive':
      return `${a.fault?.detail ?? 'a malformed delivery'} got ${answer}${said}: a 5xx, a reset or a timeout, so the gateway retries it forever (or the receiver fell over)`;
    case 'abandoned':
      return `${a.fault?.detail ?? 'an abandoned delivery'} (not judged)`;
  }
}

/** Faults that leave a delivery's content as the gateway sends it: only its timing or its number of copies differ. */
const SAME_CONTENT: ReadonlySet<string> = new Set(['reordered', 'duplicate', 'concurrent', 'resigned', 'timed-out']);

/**
 * Whether a refused genuine attempt is the scenario's own finding: refused *because of* what the scenario did to it.
 * That is so when another attempt of the same event was accepted (a duplicate refused), or when the scenario changed
 * its content (a reformat, a rotation) and the order's twin had the same kind of event accepted. Otherwise the receiver
 * refuses the event as such — one root cause wherever it shows, the baseline's (`baseline.applied`).
 */
export function ownRefusal(
  attempt: AttemptRecord,
  record: {
    readonly attempts: readonly AttemptRecord[];
    readonly orders: readonly { readonly orderId: string; readonly twinId: string | null }[];
  },
): boolean {
  const accepted = (other: AttemptRecord) =>
    other !== attempt && other.expect === 'accept' && other.eventId === attempt.eventId && other.outcome === 'ok';
  if (record.attempts.some(accepted)) return true;
  if (attempt.fault === null || SAME_CONTENT.has(attempt.fault.kind)) return false;
  const twinId = record.orders.find((o) => o.orderId === attempt.orderId)?.twinId ?? null;
  const twins = record.attempts.filter((a) => a.orderId === twinId && a.label === attempt.label);
  // No twin, or none of its kind (a CRC challenge): the scenario's own request, its refusal the scenario's.
  return twins.length === 0 || twins.some((a) => a.outcome === 'ok');
}

/** A genuine attempt refused (a 4xx or 5xx, a reset), not one that timed out: the gateway's timeouts are liveness's. */
export function refusedGenuine(attempt: AttemptRecord): boolean {
  return attempt.expect === 'accept' && attempt.outcome !== 'ok' && !timedOut(attempt);
}

/** One finding per attempt of the given deliveries that did not get the answer a correct receiver gives. */
export function answerFindings(phase: string, attempts: readonly AttemptRecord[], ids: readonly string[]): Finding[] {
  const inPhase = new Set(ids);
  return attempts
    .filter((a) => inPhase.has(a.deliveryId) && !answeredAsExpected(a))
    .map((a) => ({
      problem: problemOf(a),
      reason: reasonFor(a),
      phase,
      orderId: a.orderId,
      deliveries: [summarize(a)],
      observed: null,
      expected: null,
      differences: [],
    }));
}

/** Whether a delivery's answer is not what a correct receiver gives (as the answer check judges it). */
export function answeredWrongly(d: Pick<AttemptSummary, 'expected' | 'outcome'>): boolean {
  if (d.expected === 'accept') return d.outcome !== 'ok';
  if (d.expected === 'reject') return d.outcome === 'ok';
  if (d.expected === 'survive') return d.outcome === 'info';
  return false;
}
