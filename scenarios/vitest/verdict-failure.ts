import type { GuaranteeId } from '../../contracts/guarantees.js';
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
 * Why the run could not judge `guarantee` (the baseline it builds on failed, its deliveries timed out, the receiver
 * was down…), or null when it was judged. Its test is skipped with this note: the failing verdict that caused it fails.
 */
export function verdictUnknown(report: RunReport | undefined, guarantee: GuaranteeId): string | null {
  const verdict = report?.results.find((v) => v.guarantee === guarantee);
  return verdict?.status === 'unknown' ? `not judged: ${verdict.reason ?? verdict.summary}` : null;
}
