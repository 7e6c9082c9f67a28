import { explorable, type OpChoices } from './arbitrary.js';
import type { Excluded } from './exclusions.js';
import { deliveriesOf, type ExploreOp, type ExplorePlan, faultsOf, isFault } from './plan-model.js';
import type { PlanOutcome } from './play-plan.js';
import { isLastDelivery } from './promise.js';

/** What simplification keeps to: the plans explore may play, and what counts as the same failure. */
export interface SimplifyRules {
  readonly choices: OpChoices;
  readonly excluded: Excluded;
  /** Whether an outcome still shows the failure being simplified (the same kind of root cause). */
  readonly fails: (outcome: PlanOutcome) => boolean;
}

/**
 * A last pass after fast-check's shrinking, which can stop in a local minimum (a race copy that only mattered for a
 * later fault, say): try each operation removed and each fault as a plain delivery of the same event, keep any variant
 * that still fails and is smaller (fewer deliveries, then fewer faults), and repeat until nothing helps or the budget
 * of plays is spent. The last genuine delivery of an event is never removed (the gateway's promise); a fault may
 * become a plain delivery.
 */
export async function simplify(
  found: { plan: ExplorePlan; outcome: PlanOutcome },
  play: (plan: ExplorePlan) => Promise<PlanOutcome>,
  budget: { plays: number; until: () => boolean },
  rules: SimplifyRules,
): Promise<{ plan: ExplorePlan; outcome: PlanOutcome; plays: number }> {
  let best = found;
  let plays = 0;
  let improved = true;
  while (improved && plays < budget.plays && !budget.until()) {
    improved = false;
    for (const candidate of simplerPlans(best.plan, rules)) {
      if (plays >= budget.plays || budget.until()) break;
      plays += 1;
      const outcome = await play(candidate);
      if (rules.fails(outcome)) {
        best = { plan: candidate, outcome };
        improved = true;
        break;
      }
    }
  }
  return { ...best, plays };
}

/** Strictly smaller variants of a plan that keep the promise and the exclusions, the biggest cuts first. */
export function* simplerPlans(
  plan: ExplorePlan,
  rules: Pick<SimplifyRules, 'choices' | 'excluded'>,
): Generator<ExplorePlan> {
  const size = (p: ExplorePlan) => [deliveriesOf(p), faultsOf(p), p.orders.length, p.ops.length] as const;
  const smaller = (candidate: ExplorePlan) => {
    const [a, b] = [size(candidate), size(plan)];
    const first = a.findIndex((n, i) => n !== b[i]);
    return first >= 0 && (a[first] ?? 0) < (b[first] ?? 0);
  };
  const variants: ExplorePlan[] = [];
  // An order goes with every operation about it, and the indexes after it move down.
  if (plan.orders.length > 1) {
    for (const j of plan.orders.keys()) {
      const ops = plan.ops.flatMap((op): ExploreOp[] => {
        if (op.op === 'pause') return [op];
        const order = op.order % plan.orders.length;
        return order === j ? [] : [{ ...op, order: order > j ? order - 1 : order }];
      });
      if (ops.length > 0) variants.push({ ...plan, orders: plan.orders.filter((_, k) => k !== j), ops });
    }
  }
  if (plan.ops.length > 1) {
    for (const i of plan.ops.keys()) {
      if (isLastDelivery(plan, i, rules.choices)) continue;
      variants.push({ ...plan, ops: plan.ops.filter((_, j) => j !== i) });
    }
  }
  for (const [i, op] of plan.ops.entries()) {
    if (!isFault(op) || op.op === 'pause') continue;
    const plain = { op: 'deliver' as const, order: op.order, event: op.event };
    variants.push({ ...plan, ops: plan.ops.map((o, j) => (j === i ? plain : o)) });
  }
  const seen = new Set<string>();
  for (const variant of variants) {
    const candidate = explorable(variant, rules.choices, rules.excluded);
    const key = JSON.stringify(candidate);
    if (seen.has(key) || !smaller(candidate)) continue;
    seen.add(key);
    yield candidate;
  }
}
