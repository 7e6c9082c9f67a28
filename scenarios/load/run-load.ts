import type { Clock } from '../../contracts/clock.js';
import { formatMinor } from '../../contracts/money.js';
import type { Provider } from '../../contracts/provider.js';
import { createProbeClient, type ProbeClient } from '../probe-client.js';
import { preflight, probeClientOptions } from '../runner.js';
import { checkLoad } from './check.js';
import { isAcknowledged, isRefused, LoadHistory } from './history.js';
import { LatencyRecorder } from './latency.js';
import { createLoadPlan, DUPLICATE, FORGED, GENUINE } from './plan.js';
import type { LoadModel, LoadReport, Shard } from './report.js';
import { runClosed, runOpen } from './schedule.js';
import { createSender, type SenderOptions } from './sender.js';
import { inShard, shardSource } from './shard.js';
import { shardRecord } from './shard-record.js';

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
  /** The whole test's model; a shard sends its share of it (shardModel). */
  readonly model: LoadModel;
  /** Send only this shard of the plan (and record what `load merge` needs); null: the whole plan. */
  readonly shard: Shard | null;
  /** The command line that sends this plan again, for the report. */
  readonly replay: string;
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
  /** Each answer as it arrives (`load --verbose`). */
  readonly onAnswer?: SenderOptions['onAnswer'];
  readonly progressIntervalMs?: number;
}

export interface LoadProgress {
  readonly elapsedMs: number;
  readonly sent: number;
  /** Deliveries this run will send at most (a shard's is its expected share); null when only a duration bounds it. */
  readonly total: number | null;
  /** Seconds left at the current rate (or of the duration, if that ends first); null when unknown. */
  readonly etaSeconds: number | null;
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

  const model = shardModel(options.model, options.shard);
  const ordersInShard = countOrders(plan.table.orders, options.shard);
  const setupStart = options.now();
  if (probe !== null) {
    options.onPhase?.(`creating ${ordersInShard.toLocaleString('en-US')} orders through the probe`);
    await createOrders(probe, plan.table, options.shard);
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
    ...(options.onAnswer === undefined ? {} : { onAnswer: options.onAnswer }),
  });
  options.onPhase?.('delivering');
  const total = options.durationMs !== null && options.events === null ? null : shareOf(maxDeliveries, options.shard);
  const stopProgress = reportProgress(options, { history, latency, inFlight: sender.inFlight, startedAt, total });
  const limits = {
    maxDeliveries,
    deadline: options.durationMs === null ? null : startedAt + options.durationMs,
    now: options.now,
  };
  const source = shardSource(plan.deliveries(), plan.table, options.shard, maxDeliveries);
  let outcome: Awaited<ReturnType<typeof runOpen>>;
  try {
    outcome =
      model.kind === 'open'
        ? await runOpen(source, sender.dispatch, {
            ...limits,
            ratePerSecond: model.ratePerSecond,
            maxInFlight: MAX_IN_FLIGHT,
            sleep: options.sleep,
          })
        : await runClosed(source, sender.dispatch, { ...limits, concurrency: model.concurrency });
  } finally {
    stopProgress();
    await sender.close();
  }
  const durationMs = options.now() - startedAt;

  options.onPhase?.(probe === null ? 'checking answers' : 'checking every order through the probe');
  const { check, observed } = await checkLoad({
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
    ordersCreated: probe === null ? 0 : ordersInShard,
    // Only a shard's report carries the views read (for `load merge`); a whole run judges each as it is read.
    keepObserved: options.shard !== null,
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
    model,
    shard: options.shard,
    mergedShards: null,
    startedAt: new Date(startedAtWall).toISOString(),
    durationMs: round(durationMs),
    setupMs: round(setupMs),
    plan: {
      orders: plan.table.orders,
      events: plan.table.events,
      deliveries: maxDeliveries,
      duplicatePercent: options.duplicatePercent,
      forgedPercent: options.forgedPercent,
      exhausted: outcome.exhausted && !source.limitReached(),
    },
    deliveries: counts,
    throughputPerSecond: durationMs > 0 ? round((summary.count * 1000) / durationMs) : 0,
    latencyMs: summary,
    latencyHistogram: latency.encoded(),
    backlog: model.kind === 'open' ? { maxInFlight: outcome.maxInFlight, maxLagMs: outcome.maxLagMs } : null,
    timeline: latency.timeline(),
    check,
    replay: options.replay,
    record: options.shard === null ? null : shardRecord(history, observed),
    thresholds: [],
    memory: { peakRssBytes: options.peakRss(), historyBytes: history.bytes },
  };
}

function deliveryLimit(options: LoadOptions): number {
  if (options.events !== null) return options.events;
  const seconds = (options.durationMs ?? 0) / 1000;
  if (options.model.kind === 'open') return Math.max(1, Math.ceil(options.model.ratePerSecond * seconds));
  return DEFAULT_CLOSED_PLAN;
}

/**
 * A shard's share of the whole test's model, as k6 splits a test across execution segments: the rate divided by the
 * shard count, the concurrency dealt out (at least 1 each).
 */
export function shardModel(model: LoadModel, shard: Shard | null): LoadModel {
  if (shard === null) return model;
  if (model.kind === 'open') return { kind: 'open', ratePerSecond: model.ratePerSecond / shard.count };
  const base = Math.floor(model.concurrency / shard.count);
  const extra = shard.index <= model.concurrency % shard.count ? 1 : 0;
  return { kind: 'closed', concurrency: Math.max(1, base + extra) };
}

/** A shard's expected share of the plan's deliveries (orders are dealt out evenly). */
const shareOf = (deliveries: number, shard: Shard | null) =>
  shard === null ? deliveries : Math.round(deliveries / shard.count);

/** How many of the plan's orders are in the shard (all of them without one). */
function countOrders(orders: number, shard: Shard | null): number {
  if (shard === null) return orders;
  let count = 0;
  for (let order = 0; order < orders; order += 1) if (inShard(shard, order)) count += 1;
  return count;
}

/** Creates the shard's orders through the probe, in plan order (no list of them is made). */
async function createOrders(
  probe: ProbeClient,
  table: ReturnType<typeof createLoadPlan>['table'],
  shard: Shard | null,
): Promise<void> {
  let next = 0;
  const creator = async () => {
    while (next < table.orders) {
      const order = next;
      next += 1;
      if (shard !== null && !inShard(shard, order)) continue;
      const terms = table.terms(order);
      await probe.putOrder(terms.orderId, {
        amount: formatMinor(terms.amountMinor, terms.currency),
        currency: terms.currency,
      });
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, creator));
}

interface ProgressSources {
  readonly history: LoadHistory;
  readonly latency: LatencyRecorder;
  readonly inFlight: () => number;
  readonly startedAt: number;
  readonly total: number | null;
}

function reportProgress(options: LoadOptions, sources: ProgressSources): () => void {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return () => undefined;
  const { history, latency, inFlight, startedAt, total } = sources;
  let lastAt = startedAt;
  let lastAnswered = 0;
  const timer = setInterval(() => {
    const now = options.now();
    const answered = latency.summary().count;
    const { p50, p99 } = latency.soFar();
    const elapsedMs = now - startedAt;
    const ratePerSecond = now > lastAt ? ((answered - lastAnswered) * 1000) / (now - lastAt) : 0;
    onProgress({
      elapsedMs,
      sent: history.size,
      total,
      etaSeconds: etaSeconds(history.size, total, ratePerSecond, options.durationMs, elapsedMs),
      inFlight: inFlight(),
      ratePerSecond,
      p50,
      p99,
    });
    lastAt = now;
    lastAnswered = answered;
  }, options.progressIntervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** Seconds left: the deliveries left at the current rate, or the duration left, whichever ends first. */
export function etaSeconds(
  sent: number,
  total: number | null,
  ratePerSecond: number,
  durationMs: number | null,
  elapsedMs: number,
): number | null {
  const byCount = total !== null && ratePerSecond > 0 ? Math.max(0, total - sent) / ratePerSecond : null;
  const byTime = durationMs === null ? null : Math.max(0, durationMs - elapsedMs) / 1000;
  if (byCount === null) return byTime;
  return byTime === null ? byCount : Math.min(byCount, byTime);
}

const round = (value: number) => Math.round(value * 10) / 10;
