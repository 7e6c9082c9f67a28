import { type Clock, systemClock } from '../../contracts/clock.js';
import { IpnError } from '../../contracts/errors.js';
import type { Provider } from '../../contracts/provider.js';
import { createProbeClient, type ProbeClient } from '../probe-client.js';
import { failureDetails, plain } from '../report/console.js';
import { preflight, probeClientOptions, runGauntlet } from '../runner.js';
import { defaultSettle, type SettleOptions } from '../settle.js';
import type { Finding } from '../verdict.js';
import type { CaseFile } from './case-file.js';
import { planListing } from './plan-listing.js';
import { playPlan, playRunId } from './play-plan.js';

export interface ReplayOptions {
  readonly target: string;
  readonly probe: string;
  /** Sent to the probe as `authorization: Bearer <token>` (the reference receiver's probe requires one). */
  readonly probeToken?: string;
  /** A probe that is not HTTP (SQL, a module), used instead of calling `probe`, which then only names it. */
  readonly probeClient?: ProbeClient;
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  /** Letters and digits that make this replay's ids fresh. */
  readonly session: string;
  /** The command that replays the case, for a scenario case's report. */
  readonly replayCommand: string;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly settle?: Partial<SettleOptions>;
}

/** A replayed case: its verdict, what was found, and the lines that show it to a person. */
export interface CaseOutcome {
  readonly status: 'pass' | 'fail' | 'unknown';
  readonly findings: readonly Finding[];
  readonly listing: readonly string[];
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Plays a saved case again, exactly (the plan, or the scenario with its seed), with fresh ids. */
export async function replayCase(found: CaseFile, options: ReplayOptions): Promise<CaseOutcome> {
  if (found.provider !== options.provider.id) {
    throw new IpnError(
      'IPN_ERR_CASE_INVALID',
      `the case was found with provider ${found.provider}, not ${options.provider.id}.`,
      { hint: `Replay it with --provider ${found.provider} and that provider's secret.` },
    );
  }
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const notificationUrl = options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl };
  if (found.kind === 'scenario') {
    const report = await runGauntlet({
      target: options.target,
      probe: options.probe,
      ...(options.probeToken === undefined ? {} : { probeToken: options.probeToken }),
      ...(options.probeClient === undefined ? {} : { probeClient: options.probeClient }),
      provider: options.provider,
      secret: options.secret,
      ...notificationUrl,
      seed: found.seed,
      runId: options.session,
      only: [found.guarantee],
      clock,
      sleep,
      ...(options.settle === undefined ? {} : { settle: options.settle }),
      replayCommand: () => options.replayCommand,
    });
    const verdict = report.results[0];
    if (verdict === undefined) throw new Error(`the run of ${found.guarantee} gave no verdict`);
    return {
      status: verdict.status,
      findings: verdict.findings,
      listing: verdict.status === 'pass' ? [verdict.summary] : failureDetails(verdict, plain).split('\n'),
    };
  }
  const probe = options.probeClient ?? createProbeClient(options.probe, probeClientOptions(options));
  await preflight(options.target, probe);
  const outcome = await playPlan(found.plan, {
    target: options.target,
    probe,
    provider: options.provider,
    secret: options.secret,
    ...notificationUrl,
    runId: playRunId(options.session, found.seed, 0),
    clock,
    sleep,
    settle: { ...defaultSettle, ...options.settle },
  });
  return { status: outcome.status, findings: outcome.findings, listing: planListing(outcome) };
}
