import { type Clock, systemClock } from '../../contracts/clock.js';
import type { ReceiverProfile } from '../../contracts/profile.js';
import type { Provider } from '../../contracts/provider.js';
import { createProbeClient, type ProbeClient } from '../probe-client.js';
import { applyProfile } from '../profile.js';
import { preflight, probeClientOptions } from '../runner.js';
import { defaultSettle, type SettleOptions } from '../settle.js';
import { choicesFor, type PlanLimits } from './arbitrary.js';
import { type AttackerCanary, startAttackerCanary } from './attacker-canary.js';
import { type Exclusion, exploredGuarantees, resolveExclusions } from './exclusions.js';
import type { ExplorePlan } from './plan-model.js';
import { type PlanOutcome, playPlan, playRunId } from './play-plan.js';
import type { RootCause } from './root-cause.js';
import { exploreDefaults, freshCause, searchOnce, underneath } from './search.js';

export { exploreDefaults };

import { simplify } from './simplify.js';

export interface ExploreOptions {
  readonly target: string;
  /** The base URL of the receiver's probe (…/ipn-probe). */
  readonly probe: string;
  /** Sent to the probe as `authorization: Bearer <token>` (the reference receiver's probe requires one). */
  readonly probeToken?: string;
  /** A probe that is not HTTP (SQL, a module), used instead of calling `probe`, which then only names it. */
  readonly probeClient?: ProbeClient;
  readonly provider: Provider;
  /** What the receiver models (contracts/profile.ts); default the provider's default family, every fact. */
  readonly profile?: ReceiverProfile;
  readonly secret: string;
  readonly notificationUrl?: string;
  /** Postback providers (PayPal IPN): the key of the fake gateway the receiver asks (`gatewayKeyFromSeed`). */
  readonly gatewayKey?: string;
  /** fast-check's seed: the same seed (and exclusions) generates the same plans. */
  readonly seed: number;
  /** Random plans to try in all, over every search for a further root cause (shrinking runs come on top). */
  readonly runs: number;
  /** Faults and guarantees left out (`--exclude`): never generated, never reported. */
  readonly exclude?: readonly Exclusion[];
  /** Most root causes to find (default: as many as the runs and the time find). */
  readonly maxCauses?: number;
  /** Letters and digits prefixed to every play's run id, fresh per invocation, so no reset of the receiver is needed. */
  readonly session: string;
  /** Most time one play may take before it counts as a failure (a receiver that hangs). */
  readonly runTimeoutMs?: number;
  /** Most time the whole search, shrinking included, may take; what was found by then is reported. */
  readonly totalTimeMs?: number;
  /** false: keep the first failing plan of each root cause as generated, without shrinking it. */
  readonly shrink?: boolean;
  /** fast-check's replay path (from a case file, with its seed and exclusions): replays that counterexample only. */
  readonly path?: string;
  readonly limits?: PlanLimits;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly settle?: Partial<SettleOptions>;
  /** After every play (random or shrinking). */
  readonly onPlay?: (play: number, outcome: PlanOutcome) => void;
  /** After every play: how far the search is. */
  readonly onProgress?: (progress: ExploreProgress) => void;
}

export interface ExploreProgress {
  readonly plays: number;
  /** Random plans tried so far, of `runs`. */
  readonly runs: number;
  readonly causes: number;
  readonly phase: 'searching' | 'shrinking';
  readonly elapsedMs: number;
}

/** One root cause: the guarantee it breaks, where to look, and the smallest plan found that shows it. */
export interface FoundCause extends RootCause {
  readonly plan: ExplorePlan;
  readonly outcome: PlanOutcome;
  /** fast-check's path to the counterexample of its search (before the last simplification). */
  readonly path: string | null;
  /** What its search left out: the exclusions given and the root causes found before it. */
  readonly exclude: readonly Exclusion[];
  /** Random plans its search tried, and smaller failing plans found while shrinking. */
  readonly runs: number;
  readonly shrinks: number;
}

export interface ExploreResult {
  readonly status: 'pass' | 'fail';
  readonly seed: number;
  /** Random plans tried, in all. */
  readonly runs: number;
  readonly shrinks: number;
  /** Every play, random and shrinking. */
  readonly plays: number;
  readonly interrupted: boolean;
  /** Distinct root causes, in the order found. */
  readonly causes: readonly FoundCause[];
  readonly durationMs: number;
}

/** Most plays of the last simplification pass after fast-check's shrinking. */
const SIMPLIFY_PLAYS = 40;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Searches for delivery plans the receiver gets wrong, one root cause at a time: fast-check generates plans, each is
 * played against the receiver with fresh ids, and the first plan failing for a cause not yet known is shrunk to the
 * smallest plan that still fails for a cause not yet known. Its cause (the guarantee it breaks) is then excluded —
 * its faults no longer generated, its failures and those built on it no longer counted — and the search goes on with
 * the runs and the time left.
 */
export async function explore(given: ExploreOptions): Promise<ExploreResult> {
  // The provider as the receiver's profile sees it (by default its default family alone): plans use only that.
  const options: ExploreOptions = { ...given, provider: applyProfile(given.provider, given.profile) };
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const probe = options.probeClient ?? createProbeClient(options.probe, probeClientOptions(options));
  const started = clock();
  const deadline = started + (options.totalTimeMs ?? exploreDefaults.totalTimeMs);
  await preflight(options.target, probe);
  const canary = options.provider.certificateUrlHeader === undefined ? undefined : await startAttackerCanary();

  let plays = 0;
  let runs = 0;
  let shrinks = 0;
  let interrupted = false;
  let phase: ExploreProgress['phase'] = 'searching';
  const causes: FoundCause[] = [];
  const play = async (plan: ExplorePlan): Promise<PlanOutcome> => {
    plays += 1;
    const outcome = await playPlan(plan, {
      target: options.target,
      probe,
      provider: options.provider,
      secret: options.secret,
      ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
      ...(options.gatewayKey === undefined ? {} : { gatewayKey: options.gatewayKey }),
      ...(canary === undefined ? {} : { canary }),
      runId: playRunId(options.session, options.seed, plays),
      clock,
      sleep,
      settle: { ...defaultSettle, ...options.settle },
    });
    options.onPlay?.(plays, outcome);
    options.onProgress?.({ plays, runs, causes: causes.length, phase, elapsedMs: clock() - started });
    return outcome;
  };

  try {
    const known: Exclusion[] = [...(options.exclude ?? [])];
    const most = Math.min(options.maxCauses ?? exploredGuarantees.length, exploredGuarantees.length);
    while (causes.length < most && runs < options.runs && clock() < deadline) {
      const excluded = resolveExclusions(known);
      if (exploredGuarantees.every((g) => excluded.guarantees.has(g))) break;
      phase = 'searching';
      const search = await searchOnce(options, excluded, play, {
        runs: options.runs - runs,
        timeMs: deadline - clock(),
        onRun: () => {
          runs += 1;
        },
        onFailure: () => {
          phase = 'shrinking';
        },
      });
      shrinks += search.shrinks;
      interrupted ||= search.interrupted;
      if (search.found === null) break;
      const minimal =
        options.shrink === false
          ? search.found
          : await simplify(
              search.found,
              play,
              { plays: SIMPLIFY_PLAYS, until: () => clock() >= deadline },
              {
                choices: choicesFor(options.provider, excluded),
                excluded,
                fails: (outcome) => freshCause(outcome, options.provider, excluded) !== null,
              },
            );
      const found = await underneath(minimal, options.provider, excluded, play);
      if (found === null) break;
      const { cause, plan, outcome } = found;
      causes.push({
        ...cause,
        plan,
        outcome,
        path: search.path,
        exclude: excluded.names,
        runs: search.runs,
        shrinks: search.shrinks,
      });
      known.push(cause.guarantee);
      if (options.path !== undefined) break;
    }
  } finally {
    await closeCanary(canary);
  }
  return {
    status: causes.length === 0 ? 'pass' : 'fail',
    seed: options.seed,
    runs,
    shrinks,
    plays,
    interrupted,
    causes,
    durationMs: clock() - started,
  };
}

async function closeCanary(canary: AttackerCanary | undefined): Promise<void> {
  await canary?.close();
}
