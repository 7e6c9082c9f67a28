import type { Attempt } from '../../simulator/history.js';
import type { TimelineEntry } from '../verdict.js';
import type { Style } from './console.js';

/** What one line pair of the delivery log shows of an attempt. */
export interface LoggedAttempt {
  readonly eventId: string;
  /** The event type, or what the delivery is. */
  readonly label: string;
  /** What was done to it (`forged: wrong secret`), or null for a plain delivery. */
  readonly fault: string | null;
  readonly attempt: number;
  readonly statusCode: number | null;
  /** From sent to answered. */
  readonly ms: number;
  /** The answer's body excerpt, or why there was none. */
  readonly detail: string;
}

/** The most of an answer's body a log line shows. */
export const LOGGED_BODY_CHARS = 200;

/**
 * The `stripe listen`-style pair of lines for one attempt: `--> evt_… payment_intent.succeeded [forged: wrong secret]`
 * then `<-- [400] 12ms {"error":…}` (the first 200 characters of the answer, on one line).
 */
export function deliveryLogLines(attempt: LoggedAttempt, style: Style): string {
  const fault = attempt.fault === null ? '' : ` ${style.dim(`[${attempt.fault}]`)}`;
  const retry = attempt.attempt > 1 ? ` ${style.dim(`(attempt ${attempt.attempt})`)}` : '';
  const code = attempt.statusCode;
  const status =
    code === null ? style.bad('[no answer]') : (code < 300 && code >= 200 ? style.ok : style.bad)(`[${code}]`);
  const body = attempt.detail.replace(/\s+/g, ' ').trim().slice(0, LOGGED_BODY_CHARS);
  return `--> ${attempt.eventId} ${attempt.label}${fault}${retry}\n<-- ${status} ${Math.round(attempt.ms)}ms ${body}\n`;
}

/** A run's attempt (`run --verbose`) as the log shows it. */
export function loggedEntry(entry: TimelineEntry): LoggedAttempt {
  const fault =
    entry.faultKind === null ? null : entry.fault === null ? entry.faultKind : `${entry.faultKind}: ${entry.fault}`;
  return { ...entry, fault, ms: entry.answeredMs - entry.sentMs };
}

/** A delivery the harness made itself (`trigger`) as the log shows it. */
export function loggedAttempt(attempt: Attempt): LoggedAttempt {
  const fault = attempt.fault === null ? null : `${attempt.fault.kind}: ${attempt.fault.detail}`;
  return { ...attempt, fault, ms: attempt.answeredAt - attempt.sentAt };
}
