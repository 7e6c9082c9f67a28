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
