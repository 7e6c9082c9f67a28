import { request } from 'undici';
import { type Clock, systemClock, unixSeconds } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { type GuaranteeId, guarantee as guaranteeOf } from '../contracts/guarantees.js';
import { currencyExponent } from '../contracts/money.js';
import type { ReceiverProfile } from '../contracts/profile.js';
import type { Provider } from '../contracts/provider.js';
import { createHttpDeliverer } from '../simulator/delivery/http.js';
import { gatewayKeyFromSeed } from '../simulator/gateway/key.js';
import type { GatewayLedger } from '../simulator/gateway/ledger.js';
import type { GatewayMonitor } from '../simulator/gateway/monitor.js';
import { recordingWorld } from '../simulator/gateway/recording-world.js';
import { type Attempt, DeliveryHistory } from '../simulator/history.js';
import { createSigningContext, type SigningContext } from '../simulator/plan.js';
import { createRandom, deriveSeed, type Random } from '../simulator/random.js';
import { createWorld, type World, type WorldOrder } from '../simulator/world.js';
import { BASELINE_CURRENCY, baselineGate, baselinePlan } from './baseline.js';
import { runCanary } from './canary.js';
import { scenarios as catalog } from './catalog/index.js';
import { type ChaosSettings, defaultChaos, runsIn, type Scenario, type ScenarioPlan } from './define.js';
import { judgeLatency } from './judge/latency.js';
import { safely } from './judge/safely.js';
import { type JudgeContext, judgeScenario, plainRefusalFindings } from './judge/scenario.js';
import { createProbeClient, type ProbeClient } from './probe-client.js';
import { recordingProbe } from './probe-recording.js';
import type { ReceiverProcess } from './process/receiver-process.js';
import { applyProfile, describeProfile } from './profile.js';
import { recordScenario } from './record/record-scenario.js';
import type { ProbeCall, ScenarioRecord } from './record/run-record.js';
import { withReproduce } from './reproduce.js';
import { defaultSettle, type SettleContext, type SettleOptions } from './settle.js';
import { timelineEntry } from './timeline.js';
import type { RunReport, TimelineEntry, Verdict } from './verdict.js';

export interface RunOptions {
  /** The receiver's webhook URL for this provider. */
  readonly target: string;
  /** Webhook URLs of more instances behind the same database; deliveries are spread across all of them. */
  readonly otherTargets?: readonly string[];
  /** The base URL of the receiver's probe (…/ipn-probe). */
  readonly probe: string;
  /**
   * A probe that is not the HTTP contract (SQL queries on the receiver's own database, a module of functions): used
   * instead of calling `probe`, which then only names it in the reports.
   */
  readonly probeClient?: ProbeClient;
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
  /**
   * The monitor of the gateway the run started (the calls receivers make to its API, the outages the run plays): with
   * it and the ledger, `consistency.reconciled` runs for providers whose gateway lists its events.
   */
  readonly gatewayMonitor?: GatewayMonitor;
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
  /**
   * The longest the whole run may take, ms (default 20 minutes): scenarios not run by then are unknown, the run still
   * reports. A receiver slower than the gateway's timeout is found by the canary and stops the run at once.
   */
  readonly timeBudgetMs?: number;
  /** Stop after this many broken guarantees: the scenarios after are reported as not run (Playwright's --max-failures). */
  readonly maxFailures?: number;
  /**
   * What the receiver models (contracts/profile.ts): its facts and event families, where it reads the order id, its
   * order ids' form, currencies and status words. Default: the provider's default family, every fact it expresses.
   */
  readonly profile?: ReceiverProfile;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The probe client's options from a run's: the token, when there is one. */
export function probeClientOptions(options: {
  readonly probeToken?: string | undefined;
  readonly profile?: ReceiverProfile | undefined;
}) {
  return {
    ...(options.probeToken === undefined ? {} : { token: options.probeToken }),
    ...(options.profile?.statuses === undefined ? {} : { statuses: options.profile.statuses }),
  };
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
export async function runGauntlet(given: RunOptions): Promise<RunReport> {
  // The provider as the receiver's profile sees it: every plan below sends only what the receiver models.
  const options: RunOptions = { ...given, provider: applyProfile(given.provider, given.profile) };
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const settle: SettleContext = { ...defaultSettle, ...options.settle, clock, sleep };
  const calls: ProbeCall[] = [];
  const onCall = (call: ProbeCall) => calls.push(call);
  const probe =
    options.probeClient === undefined
      ? createProbeClient(options.probe, { ...probeClientOptions(options), clock, onCall })
      : recordingProbe(options.probeClient, onCall, clock);
  const selected = selectScenarios(
    options.scenarios ?? catalog,
    options.provider,
    options.only,
    options.receiverProcess !== undefined,
    options.gatewayMonitor !== undefined && options.gatewayLedger !== undefined,
  );
  const startedAt = clock();
  const deadline = startedAt + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  for (const target of [options.target, ...(options.otherTargets ?? [])]) await preflight(target, probe);

  const run: RunContext = { ...options, clock, sleep, settle, probe, calls, runStartedAt: startedAt, deadline };
  const planned = selected.map((scenario, index) => planScenario(scenario, index, run));
  const everyAttempt: Attempt[] = [];
  const canaryWorld = planWorld(run, 'canary', 'cn');
  const canaryHistory = new DeliveryHistory();
  const canary = await runCanary({
    provider: options.provider,
    world: canaryWorld.world,
    signing: canaryWorld.signing,
    probe,
    target: options.target,
    clock,
    settle,
    history: canaryHistory,
    currency: preferredCurrency(run),
  });
  everyAttempt.push(...canaryHistory.all());

  const results: Verdict[] = [];
  const emit = (verdict: Verdict, shown: boolean) => {
    if (!shown) return;
    results.push(verdict);
    options.onVerdict?.(verdict);
  };
  const shows = (id: GuaranteeId, verdict: Verdict) =>
    options.only === undefined || options.only.length === 0 || options.only.includes(id) || verdict.status !== 'pass';

  if (canary.slow) {
    const took = Math.round(canary.attempt.answeredAt - canary.attempt.sentAt);
    const reason =
      `not run: the receiver answered a genuine event after ${(took / 1000).toFixed(1)} s, later than the gateway ` +
      `waits (${options.provider.timeoutMs / 1000} s), so every delivery would time out (see liveness.ack-latency)`;
    const baselineUnknown = notRun('baseline.applied', reason, run);
    emit(baselineUnknown, shows('baseline.applied', baselineUnknown));
    for (const { scenario } of planned) emit(notRun(scenario.guarantee, reason, run), true);
  } else {
    const baseline = await recordAndJudgeBaseline(planned, run);
    everyAttempt.push(...baseline.record.attempts);
    const gate = baselineGate(baseline.verdict, baseline.record.orders);
    // Plain genuine deliveries refused in any scenario are the baseline's findings: it is reported once they are in.
    const refusals: Verdict['findings'] = [];
    let down: string | null = null;
    for (const plan of planned) {
      const { scenario } = plan;
      if (down === null && !(await healthy(probe, sleep, clock))) down = lastScenario(results);
      if (down !== null) {
        emit(notRun(scenario.guarantee, `not run: the receiver stopped answering during ${down}`, run), true);
        continue;
      }
      if (clock() > deadline) {
        emit(notRun(scenario.guarantee, `not run: the run's time budget ran out`, run), true);
        continue;
      }
      const broken = results.filter((v) => v.status === 'fail').length;
      if (options.maxFailures !== undefined && broken >= options.maxFailures) {
        emit(
          notRun(
            scenario.guarantee,
            `not run: ${broken} guarantees broke (--max-failures ${options.maxFailures})`,
            run,
          ),
          true,
        );
        continue;
      }
      const record = await recordPlanned(plan, run);
      everyAttempt.push(...record.attempts);
      refusals.push(...plainRefusalFindings(record));
      const failed = new Set(results.filter((v) => v.status === 'fail').map((v) => v.guarantee));
      if (baseline.verdict.status === 'fail') failed.add('baseline.applied');
      const judged = judge(record, scenario.guarantee, run, {
        failedDependencies: (scenario.dependsOn ?? []).filter((id) => failed.has(id)),
        gate,
        ...(scenario.judge === undefined ? {} : { own: (r: ScenarioRecord) => scenario.judge?.(r) ?? [] }),
        ...(scenario.recap === undefined ? {} : { recap: (r: ScenarioRecord) => scenario.recap?.(r) ?? null }),
        plainRefusalsElsewhere: true,
      });
      emit(withReproduce(judged, plan.plan, record, options.target), true);
    }
    const final = withFindings(baseline.verdict, refusals);
    if (shows('baseline.applied', final)) {
      results.unshift(final);
      options.onVerdict?.(final);
    }
  }

  const liveness = safely('liveness.ack-latency', options.provider.id, run, () =>
    judgeLatency(everyAttempt, {
      provider: options.provider.id,
      timeoutMs: options.provider.timeoutMs,
      title: guaranteeOf('liveness.ack-latency').title,
      replay: options.replayCommand('liveness.ack-latency'),
      seed: options.seed,
      durationMs: clock() - startedAt,
    }),
  );
  emit(liveness, shows('liveness.ack-latency', liveness));
  return {
    tool: 'ipn-gauntlet',
    seed: options.seed,
    runId: options.runId,
    provider: options.provider.id,
    target: options.target,
    probe: options.probe,
    profile: describeProfile(given.provider, given.profile),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: clock() - startedAt,
    results,
  };
}

const DEFAULT_TIME_BUDGET_MS = 20 * 60_000;

/**
 * The guarantees every run judges without a scenario of their own: the baseline (run first, reported first) and the
 * acknowledgement latency over every genuine delivery (reported last).
 */
export const RUN_LEVEL_GUARANTEES = [
  'baseline.applied',
  'liveness.ack-latency',
] as const satisfies readonly GuaranteeId[];
/** How long a receiver that failed its health check between scenarios may take to come back. */
const COME_BACK_MS = 5_000;

interface RunContext extends Omit<RunOptions, 'probe' | 'clock' | 'sleep' | 'settle'> {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settle: SettleContext;
  readonly probe: ProbeClient;
  readonly calls: ProbeCall[];
  readonly runStartedAt: number;
  readonly deadline: number;
}

interface PlannedScenario {
  readonly scenario: Scenario;
  readonly plan: ScenarioPlan;
  readonly signing: SigningContext;
  readonly twins: readonly { readonly variant: string; readonly twin: WorldOrder }[];
}

/** A scenario's seeded world and signing: the same seed and index give the same orders, events and faults. */
function planWorld(
  run: RunContext,
  label: string,
  runIdSuffix: string,
): { world: World; signing: SigningContext; random: Random } {
  const random = createRandom(deriveSeed(run.seed, label));
  const signing = createSigningContext({
    provider: run.provider,
    secret: run.secret,
    notificationUrl: run.notificationUrl ?? run.target,
    ...(run.provider.postback === undefined ? {} : { gatewayKey: run.gatewayKey ?? gatewayKeyFromSeed(run.seed) }),
    random: random.fork('signing'),
    nowSeconds: () => unixSeconds(run.clock),
  });
  const world = recorded(
    createWorld({
      random: random.fork('world'),
      runId: `${run.runId}${runIdSuffix}`,
      startSeconds: unixSeconds(run.clock) - 3_600,
      // Where the secret names the merchant's account (PayPal receiver_email), the gateway's payments are paid to it.
      ...(run.provider.payeeOf === undefined ? {} : { payee: run.secret }),
      ...(run.profile?.orderIds === undefined ? {} : { orderIds: run.profile.orderIds }),
      ...(run.profile?.currencies === undefined ? {} : { currencies: run.profile.currencies }),
    }),
    run,
  );
  return { world, signing, random };
}

function planScenario(scenario: Scenario, index: number, run: RunContext): PlannedScenario {
  const { world, signing, random } = planWorld(run, scenario.guarantee, index.toString(36));
  const plan = scenario.plan({
    provider: run.provider,
    random: random.fork('faults'),
    world,
    chaos: { ...defaultChaos, ...run.chaos },
    signing,
    ...(run.profile?.currencies === undefined ? {} : { currencies: run.profile.currencies }),
  });
  // Every order that gets genuine events has a twin, unless the scenario is judged by the rule alone.
  const applied = new Set(plan.phases.flatMap((p) => p.applied.map((e) => e.orderId)));
  const twins =
    (scenario.judgement ?? 'twin') === 'rule'
      ? []
      : plan.orders.filter((o) => applied.has(o.orderId)).map((o) => ({ variant: o.orderId, twin: world.twin(o) }));
  return { scenario, plan, signing, twins };
}

async function recordPlanned(planned: PlannedScenario, run: RunContext): Promise<ScenarioRecord> {
  const { scenario } = planned;
  const history = new DeliveryHistory();
  const deliverer = createHttpDeliverer({
    target: run.target,
    ...(run.otherTargets === undefined ? {} : { otherTargets: run.otherTargets }),
    timeoutMs: run.provider.timeoutMs,
    connections: run.connections ?? 16,
    clock: run.clock,
    history,
  });
  const firstCall = run.calls.length;
  let reported = 0;
  try {
    return await recordScenario({
      guarantee: scenario.guarantee,
      provider: run.provider,
      plan: planned.plan,
      judgement: scenario.judgement ?? 'twin',
      twins: planned.twins,
      target: run.target,
      signing: planned.signing,
      probe: run.probe,
      probeCalls: () => run.calls.slice(firstCall),
      deliverer,
      history,
      settle: run.settle,
      clock: run.clock,
      ...(run.receiverProcess === undefined ? {} : { receiverProcess: run.receiverProcess }),
      connections: run.connections ?? 16,
      timeScale: run.timeScale ?? 0.001,
      deadline: run.deadline,
      ...(run.gatewayMonitor === undefined ? {} : { gatewayMonitor: run.gatewayMonitor }),
      onAttempts: () => {
        const attempts = history.all();
        for (const attempt of attempts.slice(reported)) {
          run.onAttempt?.(scenario.guarantee, timelineEntry(attempt, run.runStartedAt));
        }
        reported = attempts.length;
        run.onProgress?.(progressOf(scenario.guarantee, attempts));
      },
    });
  } finally {
    await deliverer.close();
  }
}

/** The baseline's record and verdict: each lifecycle the scenarios use, delivered plainly once, against the rule. */
async function recordAndJudgeBaseline(planned: readonly PlannedScenario[], run: RunContext) {
  const { world, signing } = planWorld(run, 'baseline.applied', 'bl');
  const lifecycles = planned.flatMap((p) => p.plan.orders.map((o) => o.lifecycle));
  const plan = baselinePlan(run.provider, world, signing, lifecycles, preferredCurrency(run));
  const baseline: PlannedScenario = {
    scenario: {
      guarantee: 'baseline.applied',
      diagnosis: BASELINE_DIAGNOSIS,
      appliesTo: () => true,
      judgement: 'rule',
      plan: () => plan,
    },
    plan,
    signing,
    twins: [],
  };
  const record = await recordPlanned(baseline, run);
  return { record, verdict: withReproduce(judge(record, 'baseline.applied', run, {}), plan, record, run.target) };
}

const BASELINE_DIAGNOSIS =
  'Genuine events delivered once and in order must move the order as the gateway says: handle each event type the ' +
  "gateway sends for the facts you model (answer 2xx to the others), find the order by the gateway's reference field, " +
  "and read amounts in the currency's own exponent.";

function judge(
  record: ScenarioRecord,
  guarantee: GuaranteeId,
  run: RunContext,
  extra: Pick<JudgeContext, 'failedDependencies' | 'gate' | 'own' | 'plainRefusalsElsewhere'>,
): Verdict {
  const scenario = (run.scenarios ?? catalog).find((s) => s.guarantee === guarantee);
  return safely(guarantee, run.provider.id, run, () =>
    judgeScenario(record, {
      title: guaranteeOf(guarantee).title,
      diagnosis: scenario?.diagnosis ?? BASELINE_DIAGNOSIS,
      replay: run.replayCommand(guarantee),
      seed: run.seed,
      runStartedAt: run.runStartedAt,
      ...extra,
    }),
  );
}

/** The baseline's verdict with the plain genuine refusals the scenarios saw added: failed when there is one. */
function withFindings(verdict: Verdict, more: Verdict['findings']): Verdict {
  if (more.length === 0) return verdict;
  const findings = [...verdict.findings, ...more];
  return {
    ...verdict,
    status: 'fail',
    findings,
    summary: `${findings[0]?.problem ?? ''}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ''}`,
    diagnosis: BASELINE_DIAGNOSIS,
  };
}

/** The currency plain orders are in: a two-decimal one the receiver sells in (USD by default). */
function preferredCurrency(run: Pick<RunOptions, 'profile'>): string {
  const sold = run.profile?.currencies;
  if (sold === undefined) return BASELINE_CURRENCY;
  return sold.find((c) => currencyExponent(c) === 2) ?? sold[0] ?? BASELINE_CURRENCY;
}

/** A verdict for a guarantee that was not run, and why. */
function notRun(guarantee: GuaranteeId, reason: string, run: RunContext): Verdict {
  return {
    guarantee,
    title: guaranteeOf(guarantee).title,
    provider: run.provider.id,
    status: 'unknown',
    reason,
    seed: run.seed,
    deliveries: 0,
    durationMs: 0,
    summary: reason,
    diagnosis: null,
    findings: [],
    replay: run.replayCommand(guarantee),
    timeline: [],
  };
}

/** Whether the receiver answers its health check, waiting a little for one that is restarting. */
async function healthy(probe: ProbeClient, sleep: (ms: number) => Promise<void>, clock: Clock): Promise<boolean> {
  const until = clock() + COME_BACK_MS;
  for (;;) {
    try {
      await probe.health();
      return true;
    } catch {
      if (clock() >= until) return false;
      await sleep(200);
    }
  }
}

function lastScenario(results: readonly Verdict[]): string {
  return results.at(-1)?.guarantee ?? 'the baseline';
}

function selectScenarios(
  all: readonly Scenario[],
  provider: Provider,
  only: readonly GuaranteeId[] | undefined,
  withProcess: boolean,
  withGateway: boolean,
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
  const needingGateway = (s: Scenario) => s.needsGateway === true && s.appliesTo(provider);
  if (!withGateway && only?.some((id) => all.some((s) => s.guarantee === id && needingGateway(s)))) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${only.filter((id) => all.some((s) => s.guarantee === id && needingGateway(s))).join(', ')} needs the fake gateway serving ${provider.title}'s event list, which this run did not start.`,
      {
        hint: 'Pass --gateway-port PORT and point your receiver’s API client (its reconciler) at http://127.0.0.1:PORT.',
      },
    );
  }
  const applicable = all.filter((s) => runsIn(s, provider, { withProcess, withGateway }));
  if (only === undefined || only.length === 0) return applicable;
  const missing = only.filter(
    (id) => !applicable.some((s) => s.guarantee === id) && !(RUN_LEVEL_GUARANTEES as readonly string[]).includes(id),
  );
  if (missing.length > 0) {
    throw new IpnError(
      'IPN_ERR_UNKNOWN_GUARANTEE',
      `no scenario checks ${missing.join(', ')} for ${provider.id}; checked here: ${[...RUN_LEVEL_GUARANTEES, ...applicable.map((s) => s.guarantee)].join(', ')}.`,
    );
  }
  return applicable.filter((s) => only.includes(s.guarantee));
}

/** The world, recording its events in the run's gateway ledger when the run started a gateway with one. */
function recorded(world: World, run: Pick<RunOptions, 'provider' | 'gatewayLedger'>): World {
  return run.gatewayLedger === undefined ? world : recordingWorld(world, run.provider, run.gatewayLedger);
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
