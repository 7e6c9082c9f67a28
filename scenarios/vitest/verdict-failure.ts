import type { GuaranteeId } from '../../contracts/guarantees.js';
import { answeredWrongly } from '../judge/answers.js';
import { failureDetails, plain } from '../report/console.js';
import type { RunReport } from '../verdict.js';

/**
 * Why the run's verdict on `guarantee` is not a pass: each failure's evidence and replay command, or that there is no
 * verdict at all; null when it held. A test fails with this text as its message.
 */
export function verdictFailure(report: RunReport | undefined, guarantee: GuaranteeId): string | null {
  if (report === undefined) return `the gauntlet did not run, so there is no verdict for ${guarantee}.`;
  const verdicts = report.results.filter((v) => v.guarantee === guarantee);
  if (verdicts.length === 0) return `the gauntlet gave no verdict for ${guarantee}.`;
  const failed = verdicts.filter((v) => v.status === 'fail');
  return failed.length === 0 ? null : failed.map((v) => failureDetails(v, plain)).join('\n\n');
}

/**
 * What the failing verdicts on `guarantee` found, as the two sides of a diff (vitest prints `expected` against `actual`):
 * per order that ended wrong, the fields that differ, as the probe showed them and as a correct receiver shows them;
 * per delivery answered wrongly, its status and what a correct receiver answers. Null when nothing can be compared.
 */
export function verdictDiff(
  report: RunReport | undefined,
  guarantee: GuaranteeId,
): { readonly actual: Record<string, unknown>; readonly expected: Record<string, unknown> } | null {
  const actual: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  const failed = report?.results.filter((v) => v.guarantee === guarantee && v.status === 'fail') ?? [];
  for (const finding of failed.flatMap((v) => v.findings)) {
    if (finding.differences.length > 0 && finding.orderId !== null) {
      const key = `${finding.orderId} (${finding.phase})`;
      actual[key] = Object.fromEntries(finding.differences.map((d) => [d.field, d.observed]));
      expected[key] = Object.fromEntries(finding.differences.map((d) => [d.field, d.expected]));
      continue;
    }
    if (!finding.reason.startsWith('answer.')) continue;
    for (const delivery of finding.deliveries.filter(answeredWrongly)) {
      const key = `${delivery.deliveryId} ${delivery.label}${delivery.fault === null ? '' : ` (${delivery.fault})`}`;
      actual[key] = delivery.statusCode ?? delivery.detail;
      expected[key] = ANSWERS[delivery.expected];
    }
  }
  return Object.keys(actual).length === 0 ? null : { actual, expected };
}

/** What a correct receiver answers, by expectation (simulator/plan.ts). */
const ANSWERS: Readonly<Record<string, string>> = {
  accept: '2xx',
  reject: 'non-2xx, nothing changed',
  survive: 'not a 5xx, reset or timeout',
  abandoned: 'not judged',
};

/**
 * Why the run could not judge `guarantee` (the baseline it builds on failed, its deliveries timed out, the receiver
 * was down…), or null when it was judged. Its test is skipped with this note: the failing verdict that caused it fails.
 */
export function verdictUnknown(report: RunReport | undefined, guarantee: GuaranteeId): string | null {
  const verdict = report?.results.find((v) => v.guarantee === guarantee);
  return verdict?.status === 'unknown' ? `not judged: ${verdict.reason ?? verdict.summary}` : null;
}
