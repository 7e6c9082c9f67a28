import fc from 'fast-check';
import { isIpnError } from '../../contracts/errors.js';
import type { Provider } from '../../contracts/provider.js';
import { choicesFor, defaultLimits, explorable, planArbitrary } from './arbitrary.js';
import { builtOnVariants } from './built-on.js';
import { type Excluded, searchSeed } from './exclusions.js';
import type { ExploreOptions } from './explore.js';
import type { ExplorePlan } from './plan-model.js';
import type { PlanOutcome } from './play-plan.js';
import { type RootCause, rootCause } from './root-cause.js';

/** One search of `explore`: fast-check's run for a plan failing for a cause not yet known, and what it stands for. */

export const exploreDefaults = { runs: 50, runTimeoutMs: 30_000, totalTimeMs: 300_000 } as const;

/** The root cause of a failing outcome, when it is not one already known (or built on one). */
export function freshCause(outcome: PlanOutcome, provider: Provider, excluded: Excluded): RootCause | null {
  if (outcome.status !== 'fail') return null;
  const cause = rootCause({ ...outcome, attempts: outcome.steps.flatMap((s) => s.attempts) }, provider);
  return cause === null || excluded.guarantees.has(cause.guarantee) ? null : cause;
}

/**
 * The root cause a failing plan shows, or the one it is built on when the plan's counterpart for that fails for it
 * (`builtOnVariants`: a replay taken by a receiver that takes forgeries too, say). Null when the plan no longer
 * fails for a cause not yet known.
 */
export async function underneath(
  failing: { plan: ExplorePlan; outcome: PlanOutcome },
  provider: Provider,
  excluded: Excluded,
  play: (plan: ExplorePlan) => Promise<PlanOutcome>,
): Promise<{ cause: RootCause; plan: ExplorePlan; outcome: PlanOutcome } | null> {
  const cause = freshCause(failing.outcome, provider, excluded);
  if (cause === null) return null;
  const choices = choicesFor(provider, excluded);
  for (const variant of builtOnVariants(failing.plan, cause.guarantee, choices)) {
    if (excluded.guarantees.has(variant.guarantee)) continue;
    const plan = explorable(variant.plan, choices, excluded);
    const outcome = await play(plan);
    const deeper = freshCause(outcome, provider, excluded);
    if (deeper?.guarantee === variant.guarantee) return { cause: deeper, plan, outcome };
  }
  return { cause, ...failing };
}

export interface Search {
  readonly found: { plan: ExplorePlan; outcome: PlanOutcome } | null;
  readonly path: string | null;
  readonly runs: number;
  readonly shrinks: number;
  readonly interrupted: boolean;
}

/** One fast-check search for a plan failing for a cause not yet known, shrunk while it keeps failing for one. */
export async function searchOnce(
  options: ExploreOptions,
  excluded: Excluded,
  play: (plan: ExplorePlan) => Promise<PlanOutcome>,
  budget: { runs: number; timeMs: number; onRun: () => void; onFailure: () => void },
): Promise<Search> {
  let failing = false;
  let last: { key: string; plan: ExplorePlan; outcome: PlanOutcome } | null = null;
  const arbitrary = planArbitrary(options.provider, options.limits ?? defaultLimits, excluded);
  const property = fc.asyncProperty(arbitrary, async (plan) => {
    if (!failing) budget.onRun();
    const outcome = await play(plan);
    if (freshCause(outcome, options.provider, excluded) === null) return true;
    if (!failing) budget.onFailure();
    failing = true;
    last = { key: JSON.stringify(plan), plan, outcome };
    return false;
  });
  const details = await fc.check(property, {
    seed: searchSeed(options.seed, excluded),
    numRuns: budget.runs,
    endOnFailure: options.shrink === false,
    ...(options.path === undefined ? {} : { path: options.path }),
    plugins: [
      fc.timeout(options.runTimeoutMs ?? exploreDefaults.runTimeoutMs),
      fc.interruptAfterTimeLimit(Math.max(1, budget.timeMs)),
    ],
  });
  // A setup problem (the probe went away, a bad secret) is an error of its own, not a failing plan.
  if (details.failed && isIpnError(details.errorInstance)) throw details.errorInstance;
  const counted = { runs: details.numRuns, shrinks: details.numShrinks, interrupted: details.interrupted };
  const counterexample = details.failed ? (details.counterexample as [ExplorePlan] | null)?.[0] : undefined;
  if (counterexample === undefined) return { ...counted, found: null, path: null };
  const seen = last as { key: string; plan: ExplorePlan; outcome: PlanOutcome } | null;
  if (seen !== null && seen.key === JSON.stringify(counterexample)) {
    return { ...counted, found: { plan: seen.plan, outcome: seen.outcome }, path: details.counterexamplePath };
  }
  // A counterexample that timed out: played once more; if it no longer fails, the last plan that did stands for it.
  const outcome = await play(counterexample);
  const found =
    freshCause(outcome, options.provider, excluded) !== null
      ? { plan: counterexample, outcome }
      : seen === null
        ? null
        : { plan: seen.plan, outcome: seen.outcome };
  return { ...counted, found, path: details.counterexamplePath };
}
