import { request } from 'undici';
import { type Clock, systemClock, unixSeconds } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { type GuaranteeId, guarantee as guaranteeOf } from '../contracts/guarantees.js';
import type { LifecycleFact } from '../contracts/lifecycle.js';
import { formatMinor } from '../contracts/money.js';
import type { Provider } from '../contracts/provider.js';
import { createHttpDeliverer, type HttpDeliverer } from '../simulator/delivery/http.js';
import { gatewayKeyFromSeed } from '../simulator/gateway/key.js';
import type { GatewayLedger } from '../simulator/gateway/ledger.js';
import { recordingWorld } from '../simulator/gateway/recording-world.js';
import { type Attempt, DeliveryHistory } from '../simulator/history.js';
import { createSigningContext, type SigningContext } from '../simulator/plan.js';
import { createRandom, deriveSeed } from '../simulator/random.js';
import { createWorld, type World } from '../simulator/world.js';
import { acknowledgedEvents, type Burst, runBurst } from './burst.js';
import { scenarios as catalog } from './catalog/index.js';
import { type ChaosSettings, defaultChaos, type Scenario, type ScenarioPlan } from './define.js';
import { createProbeClient, type ProbeClient } from './probe-client.js';
import type { ReceiverProcess } from './process/receiver-process.js';
import { defaultSettle, type SettleOptions } from './settle.js';
import { orderStateFindings } from './state-check.js';
import { timelineEntry, timelineOf } from './timeline.js';
import type { AttemptSummary, Finding, RunReport, TimelineEntry, Verdict } from './verdict.js';

export interface RunOptions {
  /** The receiver's webhook URL for this provider. */
  readonly target: string;
  /** Webhook URLs of more instances behind the same database; deliveries are spread across all of them. */
  readonly otherTargets?: readonly string[];
  /** The base URL of the receiver's probe (…/ipn-probe). */
  readonly probe: string;
  /** Sent to the probe as `authorization: Bearer <token>` (the reference receiver's probe requires one). */
  readonly probeToken?: string;
  readonly provider: Provider;
  readonly secret: string;
  readonly seed: number;
  /** The URL the receiver is registered under at the gateway, for schemes that sign it (default: the target). */
  readonly notificationUrl?: string;
  /**
   * The fake gateway's key, for postback providers (PayPal IPN): the gateway server the receiver asks must have the
   * same key. Default: derived from the seed (`gatewayKeyFromSeed`), as `ipn-gauntlet gateway --seed` derives it.
   */
  readonly gatewayKey?: string;
  /** The ledger of the gateway the run started, fed with every order's events (Stripe's event API answers from it). */
  readonly gatewayLedger?: GatewayLedger;
  /** Makes order and event ids fresh, so a run needs no reset of the receiver. Letters and digits. */
  readonly runId: string;
  readonly only?: readonly GuaranteeId[];
  readonly scenarios?: readonly Scenario[];
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly settle?: Partial<SettleOptions>;
  /** Most connections to the receiver at once. */
  readonly connections?: number;
  /** The command that replays one guarantee of this run. */
  readonly replayCommand: (guarantee: GuaranteeId) => string;
  readonly onVerdict?: (verdict: Verdict) => void;
  /** After each plan step: the scenario's deliveries so far, by outcome. */
  readonly onProgress?: (progress: Progress) => void;
  /** The receiver as a process the gauntlet started (`--receiver-cmd`): crash scenarios run only with it. */
  readonly receiverProcess?: ReceiverProcess;
  /** The size of crash scenarios. */
  readonly chaos?: Partial<ChaosSettings>;
  /** Real milliseconds per gateway second when the gateway waits to retry (default 0.001: an hour in 3.6 s). */
  readonly timeScale?: number;
  /** Each attempt as soon as its plan step is answered (the live dashboard's feed). */
  readonly onAttempt?: (guarantee: GuaranteeId, attempt: TimelineEntry) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The probe client's options from a run's: the token, when there is one. */
export function probeClientOptions(options: { readonly probeToken?: string | undefined }) {
  return options.probeToken === undefined ? {} : { token: options.probeToken };
}

/** Checks that the target answers HTTP and the probe serves `GET /health`; fails with a message that names the fix. */
export async function preflight(target: string, probe: ProbeClient): Promise<void> {
  try {
    const response = await request(target, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    await response.body.dump();
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new IpnError('IPN_ERR_TARGET_UNREACHABLE', `nothing answers HTTP at ${target} (${reason}).`, {
      cause: error,
    });
  }
  await probe.health();
}

/** Runs every applicable scenario against a receiver and returns one verdict per guarantee. */
export async function runGauntlet(options: RunOptions): Promise<RunReport> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const settleOptions = { ...defaultSettle, ...options.settle };
  const probe = createProbeClient(options.probe, probeClientOptions(options));
  const selected = selectScenarios(
    options.scenarios ?? catalog,
    options.provider,
    options.only,
    options.receiverProcess !== undefined,
  );
  const startedAt = clock();
  for (const target of [options.target, ...(options.otherTargets ?? [])]) await preflight(target, probe);

  const results: Verdict[] = [];
  for (const [index, scenario] of selected.entries()) {
    const history = new DeliveryHistory();
    const deliverer = createHttpDeliverer({
      target: options.target,
      ...(options.otherTargets === undefined ? {} : { otherTargets: options.otherTargets }),
      timeoutMs: options.provider.timeoutMs,
      connections: options.connections ?? 16,
      clock,
      history,
    });
    try {
      const verdict = await runScenario(scenario, index, {
        ...options,
        clock,
        sleep,
        settleOptions,
        probe,
        deliverer,
        history,
        runStartedAt: startedAt,
      });
      results.push(verdict);
      options.onVerdict?.(verdict);
    } finally {
      await deliverer.close();
    }
  }
  return {
    tool: 'ipn-gauntlet',
    seed: options.seed,
    runId: options.runId,
    provider: options.provider.id,
    target: options.target,
    probe: options.probe,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: clock() - startedAt,
    results,
  };
}

function selectScenarios(
  all: readonly Scenario[],
  provider: Provider,
  only: readonly GuaranteeId[] | undefined,
  withProcess: boolean,
): Scenario[] {
  const needingProcess = (s: Scenario) => s.needsReceiverProcess === true && s.appliesTo(provider);
  if (
    !withProcess &&
    only !== undefined &&
    only.some((id) => all.some((s) => s.guarantee === id && needingProcess(s)))
  ) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${only.filter((id) => all.some((s) => s.guarantee === id && needingProcess(s))).join(', ')} kills and restarts the receiver, so the gauntlet must start it.`,
      { hint: 'Pass --receiver-cmd "…" (how to start your receiver) and --ready URL (what answers once it is up).' },
    );
  }
  const applicable = all.filter((s) => s.appliesTo(provider) && (withProcess || s.needsReceiverProcess !== true));
  if (only === undefined || only.length === 0) return applicable;
  const missing = only.filter((id) => !applicable.some((s) => s.guarantee === id));
  if (missing.length > 0) {
    throw new IpnError(
      'IPN_ERR_UNKNOWN_GUARANTEE',
      `no scenario checks ${missing.join(', ')} for ${provider.id}; checked here: ${applicable.map((s) => s.guarantee).join(', ')}.`,
    );
  }
  return applicable.filter((s) => only.includes(s.guarantee));
}

interface ScenarioRun extends Omit<RunOptions, 'probe' | 'clock' | 'sleep'> {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settleOptions: SettleOptions;
  readonly probe: ProbeClient;
  readonly deliverer: HttpDeliverer;
  readonly history: DeliveryHistory;
  readonly runStartedAt: number;
}

/** The world, recording its events in the run's gateway ledger when the run started a gateway with one. */
function recorded(world: World, run: Pick<RunOptions, 'provider' | 'gatewayLedger'>): World {
  return run.gatewayLedger === undefined ? world : recordingWorld(world, run.provider, run.gatewayLedger);
}

async function runScenario(scenario: Scenario, index: number, run: ScenarioRun): Promise<Verdict> {
  const started = run.clock();
  const random = createRandom(deriveSeed(run.seed, scenario.guarantee));
  const signing = createSigningContext({
    provider: run.provider,
    secret: run.secret,
    notificationUrl: run.notificationUrl ?? run.target,
    ...(run.provider.postback === undefined ? {} : { gatewayKey: run.gatewayKey ?? gatewayKeyFromSeed(run.seed) }),
    random: random.fork('signing'),
    nowSeconds: () => unixSeconds(run.clock),
  });
  const plan = scenario.plan({
    provider: run.provider,
    random: random.fork('faults'),
    world: recorded(
      createWorld({
        random: random.fork('world'),
        runId: `${run.runId}${index.toString(36)}`,
        startSeconds: unixSeconds(run.clock) - 3_600,
        // Where the secret names the merchant's account (PayPal receiver_email), the gateway's payments are paid to it.
        ...(run.provider.payeeOf === undefined ? {} : { payee: run.secret }),
      }),
      run,
    ),
    chaos: { ...defaultChaos, ...run.chaos },
    signing,
  });

  await Promise.all(
    plan.orders.map((order) =>
      run.probe.putOrder(order.orderId, {
        amount: formatMinor(order.amountMinor, order.currency),
        currency: order.currency,
      }),
    ),
  );

  const findings: Finding[] = [];
  const applied: LifecycleFact[] = [];
  for (const phase of plan.phases) {
    if (phase.burst !== undefined) {
      await runBurstPhase(phase.burst, scenario.guarantee, signing, run);
      applied.push(...acknowledgedEvents(phase.burst, run.history).map((event) => event.fact));
      findings.push(...burstFindings(phase.name, phase.burst, run.history.all()));
    }
    if (phase.check !== undefined) findings.push(...(await phase.check({ url: run.target })));
    for (const step of phase.steps) {
      const before = run.history.all().length;
      await run.deliverer.deliverStep(step);
      for (const attempt of run.history.all().slice(before)) {
        run.onAttempt?.(scenario.guarantee, timelineEntry(attempt, run.runStartedAt));
      }
      run.onProgress?.(progressOf(scenario.guarantee, run.history.all()));
    }
    applied.push(...phase.applied.map((event) => event.fact));
    findings.push(
      ...answerFindings(
        phase.name,
        run.history.all(),
        phase.steps.flat().map((d) => d.id),
      ),
    );
    findings.push(...(await healthFindings(phase.name, run.probe)));
    findings.push(...(await stateFindings(phase.name, plan, applied, run)));
  }

  const info = guaranteeOf(scenario.guarantee);
  const total = run.history.all().length;
  const status = findings.length === 0 ? 'pass' : 'fail';
  return {
    guarantee: scenario.guarantee,
    title: info.title,
    provider: run.provider.id,
    status,
    seed: run.seed,
    deliveries: total,
    durationMs: run.clock() - started,
    summary:
      status === 'pass'
        ? `${total} deliveries over ${plan.orders.length} orders: every answer and every order as expected`
        : `${findings[0]?.problem ?? ''}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ''}`,
    diagnosis: status === 'pass' ? null : scenario.diagnosis,
    findings,
    replay: run.replayCommand(scenario.guarantee),
    timeline: timelineOf(run.history.all(), run.runStartedAt),
  };
}

export function summarize(attempt: Attempt): AttemptSummary {
  return {
    deliveryId: attempt.deliveryId,
    eventId: attempt.eventId,
    label: attempt.label,
    fault: attempt.fault === null ? null : `${attempt.fault.kind}: ${attempt.fault.detail}`,
    expected: attempt.expect,
    statusCode: attempt.statusCode,
    outcome: attempt.outcome,
    detail: attempt.detail,
  };
}

export function answerFindings(phase: string, attempts: readonly Attempt[], ids: readonly string[]): Finding[] {
  const inPhase = new Set(ids);
  return attempts
    .filter((a) => inPhase.has(a.deliveryId))
    .filter((a) => !answered(a))
    .map((a) => ({
      problem: answerProblem(a),
      phase,
      orderId: a.orderId,
      deliveries: [summarize(a)],
      observed: null,
      expected: null,
    }));
}

async function runBurstPhase(burst: Burst, guarantee: GuaranteeId, signing: SigningContext, run: ScenarioRun) {
  const process = run.receiverProcess;
  if (process === undefined) throw new Error(`${guarantee} has a burst phase but no receiver process was given`);
  let reported = run.history.all().length;
  await runBurst(burst, {
    deliverer: run.deliverer,
    history: run.history,
    signing,
    process,
    concurrency: run.connections ?? 16,
    retryScheduleSeconds: run.provider.retryScheduleSeconds,
    timeScale: run.timeScale ?? 0.001,
    sleep: run.sleep,
    onAttempt: () => {
      const attempts = run.history.all();
      for (const attempt of attempts.slice(reported)) {
        run.onAttempt?.(guarantee, timelineEntry(attempt, run.runStartedAt));
      }
      reported = attempts.length;
      run.onProgress?.(progressOf(guarantee, attempts));
    },
  });
}

/** A burst's events judged by their last attempt: the gateway retried until an answer, so only that one counts. */
function burstFindings(phase: string, burst: Burst, attempts: readonly Attempt[]): Finding[] {
  const last = new Map<string, Attempt>();
  const count = new Map<string, number>();
  const inBurst = new Set(burst.events.map((e) => e.eventId));
  for (const attempt of attempts) {
    if (!inBurst.has(attempt.eventId)) continue;
    last.set(attempt.eventId, attempt);
    count.set(attempt.eventId, (count.get(attempt.eventId) ?? 0) + 1);
  }
  const findings: Finding[] = [];
  for (const event of burst.events) {
    const attempt = last.get(event.eventId);
    if (attempt === undefined || attempt.outcome === 'ok') continue;
    findings.push({
      problem:
        attempt.outcome === 'fail'
          ? `a genuine delivery was refused after ${count.get(event.eventId)} attempts: ${attempt.statusCode}`
          : `the gateway gave up after ${count.get(event.eventId)} attempts without a 2xx: ${attempt.statusCode ?? attempt.detail}`,
      phase,
      orderId: attempt.orderId,
      deliveries: [summarize(attempt)],
      observed: null,
      expected: null,
    });
  }
  return findings;
}

/** Whether an attempt got the answer its delivery expects. */
function answered(attempt: Attempt): boolean {
  switch (attempt.expect) {
    case 'accept':
      return attempt.outcome === 'ok';
    case 'reject':
      return attempt.outcome !== 'ok';
    case 'survive':
      return attempt.outcome !== 'info';
    case 'abandoned':
      return true;
  }
}

function answerProblem(a: Attempt): string {
  const answer = a.statusCode ?? a.detail;
  switch (a.expect) {
    case 'accept':
      return `a genuine delivery${a.fault ? ` (${a.fault.detail})` : ''} was refused: ${answer}`;
    case 'reject':
      return `${a.fault?.detail ?? 'a forged delivery'} was accepted with ${a.statusCode}`;
    case 'survive':
      return `${a.fault?.detail ?? 'a malformed delivery'} got ${answer}: a 5xx, a reset or a timeout, so the gateway retries it forever (or the receiver fell over)`;
    case 'abandoned':
      return `${a.fault?.detail ?? 'an abandoned delivery'} (not judged)`;
  }
}

/** The receiver still answers its health check after a phase; a crash or a wedged process is a finding of its own. */
export async function healthFindings(phase: string, probe: ProbeClient): Promise<Finding[]> {
  try {
    await probe.health();
    return [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      {
        problem: `the receiver's health check failed after ${phase}: ${reason}`,
        phase,
        orderId: null,
        deliveries: [],
        observed: null,
        expected: null,
      },
    ];
  }
}

function stateFindings(
  phase: string,
  plan: ScenarioPlan,
  applied: readonly LifecycleFact[],
  run: ScenarioRun,
): Promise<Finding[]> {
  return orderStateFindings({
    orders: plan.orders,
    applied,
    probe: run.probe,
    settle: { ...run.settleOptions, clock: run.clock, sleep: run.sleep },
    attempts: run.history.all(),
    summarize,
    phase,
    when: `after ${phase}`,
  });
}

/** Where a scenario stands: deliveries sent, acknowledged (2xx), refused (4xx) and unsure (timeout, reset, 5xx). */
export interface Progress {
  readonly guarantee: GuaranteeId;
  readonly sent: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly unsure: number;
}

function progressOf(guarantee: GuaranteeId, attempts: readonly Attempt[]): Progress {
  const count = (outcome: Attempt['outcome']) => attempts.filter((a) => a.outcome === outcome).length;
  return { guarantee, sent: attempts.length, acknowledged: count('ok'), refused: count('fail'), unsure: count('info') };
}
