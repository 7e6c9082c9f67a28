import { deliveriesOf, type ExplorePlan, faultsOf, isFault } from './plan-model.js';
import type { PlanOutcome } from './play-plan.js';

/**
 * A last pass after fast-check's shrinking, which can stop in a local minimum (a race copy that only mattered for a
 * later fault, say): try each operation removed and each fault as a plain delivery of the same event, keep any variant
 * that still fails and is smaller (fewer deliveries, then fewer faults), and repeat until nothing helps or the budget
 * of plays is spent.
 */
export async function simplify(
  found: { plan: ExplorePlan; outcome: PlanOutcome },
  play: (plan: ExplorePlan) => Promise<PlanOutcome>,
  budget: { plays: number; until: () => boolean },
): Promise<{ plan: ExplorePlan; outcome: PlanOutcome; plays: number }> {
  let best = found;
  let plays = 0;
  let improved = true;
  while (improved && plays < budget.plays && !budget.until()) {
    improved = false;
    for (const candidate of simplerPlans(best.plan)) {
      if (plays >= budget.plays || budget.until()) break;
      plays += 1;
      const outcome = await play(candidate);
      if (outcome.status === 'fail') {
        best = { plan: candidate, outcome };
        improved = true;
        break;
      }
    }
  }
  return { ...best, plays };
}

/** Strictly smaller variants of a plan, the biggest cuts first. */
export function* simplerPlans(plan: ExplorePlan): Generator<ExplorePlan> {
  const size = (p: ExplorePlan) => [deliveriesOf(p), faultsOf(p), p.orders.length, p.ops.length] as const;
  const smaller = (candidate: ExplorePlan) => {
    const [a, b] = [size(candidate), size(plan)];
    const first = a.findIndex((n, i) => n !== b[i]);
    return first >= 0 && (a[first] ?? 0) < (b[first] ?? 0);
  };
  const variants: ExplorePlan[] = [];
  if (plan.ops.length > 1) {
    for (const i of plan.ops.keys()) variants.push({ ...plan, ops: plan.ops.filter((_, j) => j !== i) });
  }
  for (const [i, op] of plan.ops.entries()) {
    if (!isFault(op) || op.op === 'pause') continue;
    const plain = { op: 'deliver' as const, order: op.order, event: op.event };
    variants.push({ ...plan, ops: plan.ops.map((o, j) => (j === i ? plain : o)) });
  }
  // An order no operation names (indexes wrap around) goes, and the indexes after it move down.
  const named = new Set(plan.ops.flatMap((op) => (op.op === 'pause' ? [] : [op.order % plan.orders.length])));
  for (const j of plan.orders.keys()) {
    if (named.has(j) || plan.orders.length < 2) continue;
    variants.push({
      ...plan,
      orders: plan.orders.filter((_, k) => k !== j),
      ops: plan.ops.map((op) => {
        if (op.op === 'pause') return op;
        const order = op.order % plan.orders.length;
        return { ...op, order: order > j ? order - 1 : order };
      }),
    });
  }
  for (const variant of variants) if (smaller(variant)) yield variant;
}
