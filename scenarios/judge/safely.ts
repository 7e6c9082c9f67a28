import { type GuaranteeId, guarantee as guaranteeOf } from '../../contracts/guarantees.js';
import type { Verdict } from '../verdict.js';

/**
 * Runs a check; an exception inside it makes that verdict unknown, with the error as its reason, never the run fail
 * (Jepsen's rule: a checker that cannot decide says so).
 */
export function safely(
  guarantee: GuaranteeId,
  provider: string,
  run: { readonly seed: number; readonly replayCommand: (guarantee: GuaranteeId) => string },
  check: () => Verdict,
): Verdict {
  try {
    return check();
  } catch (error) {
    const reason = `the check could not decide: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    return {
      guarantee,
      title: guaranteeOf(guarantee).title,
      provider,
      status: 'unknown',
      reason,
      seed: run.seed,
      deliveries: 0,
      durationMs: 0,
      summary: reason.split('\n')[0] ?? reason,
      diagnosis: null,
      findings: [],
      replay: run.replayCommand(guarantee),
      timeline: [],
    };
  }
}
