import type { Attempt } from '../simulator/history.js';
import { answeredAsExpected } from './judge/answers.js';
import type { TimelineEntry } from './verdict.js';

/** Most attempts one verdict's timeline keeps; a report stays readable and its size bounded. */
export const MAX_TIMELINE_ENTRIES = 2_000;

/**
 * One attempt as the live timeline shows it while the run goes: times in milliseconds since the run started, and its
 * answer judged against what the delivery expects (the verdict's timeline, judged from the record, replaces it).
 */
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
    judgement: attempt.expect === 'abandoned' ? 'not-judged' : answeredAsExpected(attempt) ? 'expected' : 'unexpected',
    involved: false,
  };
}
