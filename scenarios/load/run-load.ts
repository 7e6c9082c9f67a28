import type { Clock } from '../../contracts/clock.js';
import { formatMinor } from '../../contracts/money.js';
import type { Provider } from '../../contracts/provider.js';
import { createProbeClient, type ProbeClient } from '../probe-client.js';
import { preflight, probeClientOptions } from '../runner.js';
import { checkLoad } from './check.js';
import { isAcknowledged, isRefused, LoadHistory } from './history.js';
import { LatencyRecorder } from './latency.js';
import { createLoadPlan, DUPLICATE, FORGED, GENUINE } from './plan.js';
import type { LoadModel, LoadReport } from './report.js';
import { runClosed, runOpen } from './schedule.js';
import { createSender } from './sender.js';

export interface LoadOptions {
  readonly target: string;
  /** The receiver's probe; null skips creating orders and the state check (only forgeries' answers are checked). */
  readonly probe: string | null;
  /** Sent to the probe as `authorization: Bearer <token>` (the reference receiver's probe requires one). */
  readonly probeToken?: string;
  /** A probe that is not HTTP (SQL, a module), used instead of calling `probe`, which then only names it. */
  readonly probeClient?: ProbeClient;
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  readonly seed: number;
  readonly runId: string;
  readonly model: LoadModel;
  /** Stop sending after this long (ms); null = until `events` are sent. */
  readonly durationMs: number | null;
  /** Most deliveries; null = as many as the duration allows (and the plan holds). */
  readonly events: number | null;
  /** Most orders in the plan; null = as many as the deliveries need. */
  readonly orders: number | null;
  readonly duplicatePercent: number;
  readonly forgedPercent: number;
  /** Keep-alive connections to the receiver. */
  readonly connections: number;
  /** Wall clock (signature timestamps, start time). */
  readonly clock: Clock;
  /** Monotonic fractional milliseconds (latencies, schedule). */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** How long the check waits for the receiver to apply what it acknowledged. */
  readonly settleTimeoutMs: number;
  /** Peak resident set size of this process, bytes. */
  readonly peakRss: () => number;
  readonly onPhase?: (phase: string) => void;
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly progressIntervalMs?: number;
}

export interface LoadProgress {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly inFlight: number;
  /** Answers per second over the last interval. */
  readonly ratePerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Without --events, a closed run with only a duration plans at most this many deliveries. */
export const DEFAULT_CLOSED_PLAN = 100_000;
const MAX_IN_FLIGHT = 10_000;
const SETUP_CONCURRENCY = 32;

/** Delivers a seeded plan of signed events under load, then checks through the probe that nothing was lost. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const probe =
    options.probeClient ??
    (options.probe === null ? null : createProbeClient(options.probe, probeClientOptions(options)));
  if (probe !== null) await preflight(options.target, probe);

  const maxDeliveries = deliveryLimit(options);
  options.onPhase?.('planning');
  const plan = createLoadPlan({
    provider: options.provider,
    secret: options.secret,
    seed: options.seed,
    runId: options.runId,
    orders: options.orders ?? Number.MAX_SAFE_INTEGER,
    // As many genuine events as deliveries: duplicates and forgeries are drawn, so fewer may be needed, never more.
    events: maxDeliveries,
    duplicatePercent: options.duplicatePercent,
    forgedPercent: options.forgedPercent,
    clock: options.clock,
    ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
  });

  const setupStart = options.now();
  if (probe !== null) {
    options.onPhase?.(`creating ${plan.table.orders} orders through the probe`);
    await createOrders(probe, plan.table);
  }
  const setupMs = options.now() - setupStart;

  const history = new LoadHistory(Math.min(maxDeliveries, 1 << 22));
  const latency = new LatencyRecorder();
  const startedAtWall = options.clock();
  const startedAt = options.now();
  const sender = createSender({
    target: options.target,
    connections: options.connections,
    timeoutMs: options.provider.timeoutMs,
    history,
    latency,
    clock: options.clock,
    now: options.now,
    startedAt,
  });
  options.onPhase?.('delivering');
  const stopProgress = reportProgress(options, history, latency, sender.inFlight, startedAt);
  const limits = {
    maxDeliveries,
    deadline: options.durationMs === null ? null : startedAt + options.durationMs,
    now: options.now,
  };
  const source = plan.deliveries();
  let outcome: Awaited<ReturnType<typeof runOpen>>;
  try {
    outcome =
      options.model.kind === 'open'
        ? await runOpen(source, sender.dispatch, {
            ...limits,
            ratePerSecond: options.model.ratePerSecond,
            maxInFlight: MAX_IN_FLIGHT,
            sleep: options.sleep,
          })
        : await runClosed(source, sender.dispatch, { ...limits, concurrency: options.model.concurrency });
  } finally {
    stopProgress();
    await sender.close();
  }
  const durationMs = options.now() - startedAt;

  options.onPhase?.(probe === null ? 'checking answers' : 'checking every order through the probe');
  const check = await checkLoad({
    table: plan.table,
    history,
    forgeries: plan.forgeries,
    probe,
    settleTimeoutMs: options.settleTimeoutMs,
    pollMs: 50,
    quietMs: 2_000,
    concurrency: SETUP_CONCURRENCY,
    now: options.now,
    sleep: options.sleep,
  });

  const counts = { sent: history.size, genuine: 0, duplicates: 0, forged: 0, acknowledged: 0, refused: 0, unsure: 0 };
  for (let n = 0; n < history.size; n += 1) {
    const kind = history.kind(n);
    if (kind === GENUINE) counts.genuine += 1;
    else if (kind === DUPLICATE) counts.duplicates += 1;
    else if (kind >= FORGED) counts.forged += 1;
    const status = history.status(n);
    if (isAcknowledged(status)) counts.acknowledged += 1;
    else if (isRefused(status)) counts.refused += 1;
    else counts.unsure += 1;
  }
  const summary = latency.summary();
  return {
    tool: 'ipn-gauntlet',
    command: 'load',
    provider: options.provider.id,
    target: options.target,
    probe: options.probe,
    seed: options.seed,
    runId: options.runId,
    model: options.model,
    startedAt: new Date(startedAtWall).toISOString(),
    durationMs: round(durationMs),
    setupMs: round(setupMs),
    plan: {
      orders: plan.table.orders,
      events: plan.table.events,
      duplicatePercent: options.duplicatePercent,
      forgedPercent: options.forgedPercent,
      exhausted: outcome.exhausted,
    },
    deliveries: counts,
    throughputPerSecond: durationMs > 0 ? round((summary.count * 1000) / durationMs) : 0,
    latencyMs: summary,
    backlog: options.model.kind === 'open' ? { maxInFlight: outcome.maxInFlight, maxLagMs: outcome.maxLagMs } : null,
    timeline: latency.timeline(),
    check,
    memory: { peakRssBytes: options.peakRss(), historyBytes: history.bytes },
  };
}

function deliveryLimit(options: LoadOptions): number {
  if (options.events !== null) return options.events;
  const seconds = (options.durationMs ?? 0) / 1000;
  if (options.model.kind === 'open') return Math.max(1, Math.ceil(options.model.ratePerSecond * seconds));
  return DEFAULT_CLOSED_PLAN;
}

async function createOrders(probe: ProbeClient, table: ReturnType<typeof createLoadPlan>['table']): Promise<void> {
  let next = 0;
  const creator = async () => {
    while (next < table.orders) {
      const terms = table.terms(next);
      next += 1;
      await probe.putOrder(terms.orderId, {
        amount: formatMinor(terms.amountMinor, terms.currency),
        currency: terms.currency,
      });
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, creator));
}

function reportProgress(
  options: LoadOptions,
  history: LoadHistory,
  latency: LatencyRecorder,
  inFlight: () => number,
  startedAt: number,
): () => void {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return () => undefined;
  let lastAt = startedAt;
  let lastAnswered = 0;
  const timer = setInterval(() => {
    const now = options.now();
    const answered = latency.summary().count;
    const { p50, p99 } = latency.soFar();
    onProgress({
      elapsedMs: now - startedAt,
      sent: history.size,
      inFlight: inFlight(),
      ratePerSecond: now > lastAt ? ((answered - lastAnswered) * 1000) / (now - lastAt) : 0,
      p50,
      p99,
    });
    lastAt = now;
    lastAnswered = answered;
  }, options.progressIntervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}

const round = (value: number) => Math.round(value * 10) / 10;
