import fc from 'fast-check';
import { type Clock, systemClock } from '../../contracts/clock.js';
import { isIpnError } from '../../contracts/errors.js';
import type { Provider } from '../../contracts/provider.js';
import { createProbeClient } from '../probe-client.js';
import { preflight, probeClientOptions } from '../runner.js';
import { defaultSettle, type SettleOptions } from '../settle.js';
import { defaultLimits, type PlanLimits, planArbitrary } from './arbitrary.js';
import type { ExplorePlan } from './plan-model.js';
import { type PlanOutcome, playPlan, playRunId } from './play-plan.js';
import { simplify } from './simplify.js';

export interface ExploreOptions {
  readonly target: string;
  /** The base URL of the receiver's probe (…/ipn-probe). */
  readonly probe: string;
  /** Sent to the probe as `authorization: Bearer <token>` (the reference receiver's probe requires one). */
  readonly probeToken?: string;
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  readonly gatewayKey?: string;
  /** fast-check's seed: the same seed generates the same plans. */
  readonly seed: number;
  /** Random plans to try before calling the receiver sound (shrinking runs come on top). */
  readonly runs: number;
  /** Letters and digits prefixed to every play's run id, fresh per invocation, so no reset of the receiver is needed. */
  readonly session: string;
  /** Most time one play may take before it counts as a failure (a receiver that hangs). */
  readonly runTimeoutMs?: number;
  /** Most time the whole search, shrinking included, may take; the smallest failing plan found so far is kept. */
  readonly totalTimeMs?: number;
  /** false: stop at the first failing plan without shrinking it. */
  readonly shrink?: boolean;
  /** fast-check's replay path (from a case file): replays that counterexample directly. */
  readonly path?: string;
  readonly limits?: PlanLimits;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly settle?: Partial<SettleOptions>;
  /** After every play (random or shrinking). */
  readonly onPlay?: (play: number, outcome: PlanOutcome) => void;
}

export interface ExploreResult {
  readonly status: 'pass' | 'fail';
  readonly seed: number;
  /** Random plans tried. */
  readonly runs: number;
  /** Smaller failing plans found while shrinking. */
  readonly shrinks: number;
  /** Every play, random and shrinking. */
  readonly plays: number;
  readonly interrupted: boolean;
  /** The minimal failing plan, and how it went when played. */
  readonly failure: { readonly plan: ExplorePlan; readonly outcome: PlanOutcome; readonly path: string | null } | null;
  readonly durationMs: number;
}

export const exploreDefaults = { runs: 50, runTimeoutMs: 30_000, totalTimeMs: 300_000 } as const;

/** Most plays of the last simplification pass after fast-check's shrinking. */
const SIMPLIFY_PLAYS = 40;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Searches for a delivery plan the receiver gets wrong: fast-check generates plans, each is played against the
 * receiver with fresh ids, and the first failing one is shrunk by fast-check to the smallest plan that still fails.
 */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const probe = createProbeClient(options.probe, probeClientOptions(options));
  const started = clock();
  await preflight(options.target, probe);

  let plays = 0;
  const failures: { key: string; outcome: PlanOutcome }[] = [];
  const play = async (plan: ExplorePlan): Promise<PlanOutcome> => {
    plays += 1;
    const outcome = await playPlan(plan, {
      target: options.target,
      probe,
      provider: options.provider,
      secret: options.secret,
      ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
      ...(options.gatewayKey === undefined ? {} : { gatewayKey: options.gatewayKey }),
      runId: playRunId(options.session, options.seed, plays),
      clock,
      sleep,
      settle: { ...defaultSettle, ...options.settle },
    });
    options.onPlay?.(plays, outcome);
    return outcome;
  };

  const property = fc.asyncProperty(planArbitrary(options.provider, options.limits ?? defaultLimits), async (plan) => {
    const outcome = await play(plan);
    if (outcome.status === 'fail') failures.splice(0, failures.length, { key: JSON.stringify(plan), outcome });
    return outcome.status === 'pass';
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    endOnFailure: options.shrink === false,
    ...(options.path === undefined ? {} : { path: options.path }),
    plugins: [
      fc.timeout(options.runTimeoutMs ?? exploreDefaults.runTimeoutMs),
      fc.interruptAfterTimeLimit(options.totalTimeMs ?? exploreDefaults.totalTimeMs),
    ],
  });
  // A setup problem (the probe went away, a bad secret) is an error of its own, not a failing plan.
  if (details.failed && isIpnError(details.errorInstance)) throw details.errorInstance;

  const base = {
    seed: options.seed,
    runs: details.numRuns,
    shrinks: details.numShrinks,
    plays,
    interrupted: details.interrupted,
  };
  const counterexample = details.failed ? (details.counterexample as [ExplorePlan] | null)?.[0] : undefined;
  if (counterexample === undefined) {
    return { ...base, status: 'pass', failure: null, durationMs: clock() - started };
  }
  const known = failures[0];
  const shrunk = {
    plan: counterexample,
    outcome:
      known !== undefined && known.key === JSON.stringify(counterexample) ? known.outcome : await play(counterexample),
  };
  const deadline = started + (options.totalTimeMs ?? exploreDefaults.totalTimeMs);
  const minimal =
    options.shrink === false || shrunk.outcome.status === 'pass'
      ? shrunk
      : await simplify(shrunk, play, { plays: SIMPLIFY_PLAYS, until: () => clock() >= deadline });
  return {
    ...base,
    status: 'fail',
    failure: { plan: minimal.plan, outcome: minimal.outcome, path: details.counterexamplePath },
    durationMs: clock() - started,
  };
}
