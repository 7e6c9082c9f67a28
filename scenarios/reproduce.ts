import type { ScenarioPlan } from './define.js';
import { answeredWrongly } from './judge/answers.js';
import type { ScenarioRecord } from './record/run-record.js';
import { curlCommand } from './report/curl-command.js';
import type { Verdict } from './verdict.js';

/** How many wrongly answered attempts of one verdict get a curl command (each is the whole request). */
const MAX_REPRODUCED = 3;

/**
 * A failed verdict with a curl command on its first wrongly answered attempts (`reproduce`): each delivery signed
 * again at the second it was sent, which gives the same bytes, and written out with every header. Attempts the plan
 * does not hold (a phase's own requests), or that are not a plain POST (a header sent twice, X's challenge GET), get
 * none.
 */
export function withReproduce(verdict: Verdict, plan: ScenarioPlan, record: ScenarioRecord, target: string): Verdict {
  if (verdict.status !== 'fail') return verdict;
  const deliveries = new Map(plan.phases.flatMap((phase) => phase.steps.flat()).map((d) => [d.id, d]));
  const sentAt = new Map(record.attempts.map((a) => [`${a.deliveryId}:${a.attempt}`, a.sentAt]));
  let left = MAX_REPRODUCED;
  const findings = verdict.findings.map((finding) => {
    if (!finding.reason.startsWith('answer.')) return finding;
    return {
      ...finding,
      deliveries: finding.deliveries.map((summary) => {
        if (left <= 0 || !answeredWrongly(summary)) return summary;
        const delivery = deliveries.get(summary.deliveryId);
        const at = sentAt.get(`${summary.deliveryId}:${summary.attempt}`);
        if (delivery === undefined || at === undefined) return summary;
        const signed = delivery.sign(Math.floor(at / 1000));
        if (signed.rawHeaders !== undefined || signed.get !== undefined) return summary;
        left -= 1;
        return { ...summary, reproduce: curlCommand(target, signed.request) };
      }),
    };
  });
  return { ...verdict, findings };
}
