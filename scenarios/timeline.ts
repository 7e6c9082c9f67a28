import type { Attempt } from '../simulator/history.js';
import type { TimelineEntry } from './verdict.js';

/** Most attempts one verdict's timeline keeps; a report stays readable and its size bounded. */
export const MAX_TIMELINE_ENTRIES = 2_000;

/** One attempt as the timeline shows it: times in milliseconds since the run started. */
export function timelineEntry(attempt: Attempt, runStartedAt: number): TimelineEntry {
  return {
    deliveryId: attempt.deliveryId,
    eventId: attempt.eventId,
    orderId: attempt.orderId,
    label: attempt.label,
    faultKind: attempt.fault?.kind ?? null,
    fault: attempt.fault?.detail ?? null,
    expected: attempt.expect,
    attempt: attempt.attempt,
    sentMs: Math.max(0, attempt.sentAt - runStartedAt),
    answeredMs: Math.max(0, attempt.answeredAt - runStartedAt),
    statusCode: attempt.statusCode,
    outcome: attempt.outcome,
    detail: attempt.detail,
  };
}

/** Every attempt of a scenario, in the order they were answered, up to MAX_TIMELINE_ENTRIES. */
export function timelineOf(attempts: readonly Attempt[], runStartedAt: number): TimelineEntry[] {
  return attempts.slice(0, MAX_TIMELINE_ENTRIES).map((a) => timelineEntry(a, runStartedAt));
}
