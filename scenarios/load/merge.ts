import { IpnError } from '../../contracts/errors.js';
import type { OrderView } from '../../contracts/probe.js';
import { providerById } from '../../contracts/providers/index.js';
import { LoadHistory } from './history.js';
import { answersOnlyResult, checkResult, deliveryFacts, judgeOrder, touchedOrders, type Verdict } from './judge.js';
import { mergeHistograms } from './latency.js';
import { createLoadPlan } from './plan.js';
import { type LoadModel, type LoadReport, LoadReportSchema } from './report.js';
import { appendShardRecord } from './shard-record.js';

export interface ShardFile {
  readonly file: string;
  readonly json: unknown;
}

const shardError = (message: string) => new IpnError('IPN_ERR_LOAD_SHARDS', `load merge: ${message}.`);

/** What makes two shards parts of one plan: every shard of it has the same. */
function planIdentity(report: LoadReport): Record<string, string | number | boolean> {
  const { plan } = report;
  return {
    provider: report.provider,
    seed: report.seed,
    'run id': report.runId,
    'shard count': report.shard?.count ?? 0,
    orders: plan.orders,
    events: plan.events,
    'delivery limit': plan.deliveries,
    'duplicates %': plan.duplicatePercent,
    'forged %': plan.forgedPercent,
    probe: report.probe !== null,
  };
}

/** Reads and cross-checks the shard reports: one plan, each shard from 1 to n exactly once. */
export function validShards(files: readonly ShardFile[]): LoadReport[] {
  if (files.length === 0) throw shardError('name the shard reports to merge (load merge a.json b.json …)');
  const reports = files.map(({ file, json }) => {
    const parsed = LoadReportSchema.safeParse(json);
    if (!parsed.success) {
      throw shardError(
        `${file} is not a load JSON report: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    if (parsed.data.shard === null || parsed.data.record === null) {
      throw shardError(`${file} is the report of a run without --shard; run each part with --shard i/n --json FILE`);
    }
    return parsed.data;
  });
  const first = planIdentity(reports[0] as LoadReport);
  reports.forEach((report, i) => {
    const identity = planIdentity(report);
    for (const [key, value] of Object.entries(identity)) {
      if (value !== first[key]) {
        throw shardError(
          `${files[i]?.file} and ${files[0]?.file} are shards of different plans (${key} ${value} vs ${first[key]}); run every shard with the same flags`,
        );
      }
    }
  });
  const count = reports[0]?.shard?.count ?? 0;
  const byIndex = new Map<number, string>();
  reports.forEach((report, i) => {
    const index = report.shard?.index ?? 0;
    const seen = byIndex.get(index);
    if (seen !== undefined) throw shardError(`shard ${index}/${count} is given twice (${seen} and ${files[i]?.file})`);
    byIndex.set(index, files[i]?.file ?? '');
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw shardError(
      `shard ${missing.map((index) => `${index}/${count}`).join(', ')} missing; every shard of the plan is needed`,
    );
  }
  return [...reports].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
}

/**
 * One report for the whole plan from its shards' reports: the latency histograms added, the counts summed, and the
 * correctness check run once over the union of the shards' histories and the order views they read (judge.ts, the
 * same pure judgment a single run makes). Each shard's timeline second shows the largest p50/p99/max of the shards.
 */
export function mergeShards(files: readonly ShardFile[]): LoadReport {
  const reports = validShards(files);
  const first = reports[0] as LoadReport;
  const provider = providerById(first.provider);
  const plan = createLoadPlan({
    provider,
    secret: '',
    seed: first.seed,
    runId: first.runId,
    orders: first.plan.orders,
    events: first.plan.deliveries,
    duplicatePercent: first.plan.duplicatePercent,
    forgedPercent: first.plan.forgedPercent,
    clock: () => Date.parse(first.startedAt),
  });
  if (plan.table.orders !== first.plan.orders || plan.table.events !== first.plan.events) {
    throw shardError(
      `the plan rebuilt from seed ${first.seed} differs from the shards' (another ipn-gauntlet version?)`,
    );
  }

  const history = new LoadHistory(reports.reduce((sum, r) => sum + r.deliveries.sent, 0));
  const observed = new Map<number, OrderView | null>();
  for (const report of reports) {
    if (report.record === null || !appendShardRecord(report.record, report.deliveries.sent, history, observed)) {
      throw shardError(
        `shard ${report.shard?.index}/${report.shard?.count}'s record does not hold its ${report.deliveries.sent} deliveries (edited or cut?)`,
      );
    }
  }
  const facts = deliveryFacts(plan.table, history, plan.forgeries);
  const ordersCreated = reports.reduce((sum, r) => sum + r.check.ordersCreated, 0);
  let check = answersOnlyResult(facts);
  if (first.probe !== null) {
    const touched = touchedOrders(plan.table, facts);
    const verdicts: Verdict[] = touched.map((order) => {
      if (!observed.has(order)) throw shardError(`no shard read order ${plan.table.orderId(order)} through the probe`);
      return judgeOrder(plan.table, order, facts, observed.get(order) ?? null);
    });
    check = checkResult(verdicts, facts, touched.length, ordersCreated);
  }

  const latency = mergeHistograms(reports.map((r) => r.latencyHistogram));
  const sum = (pick: (r: LoadReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const max = (pick: (r: LoadReport) => number) => Math.max(...reports.map(pick));
  const deliveries = {
    sent: sum((r) => r.deliveries.sent),
    genuine: sum((r) => r.deliveries.genuine),
    duplicates: sum((r) => r.deliveries.duplicates),
    forged: sum((r) => r.deliveries.forged),
    acknowledged: sum((r) => r.deliveries.acknowledged),
    refused: sum((r) => r.deliveries.refused),
    unsure: sum((r) => r.deliveries.unsure),
  };
  const backlogs = reports.flatMap((r) => (r.backlog === null ? [] : [r.backlog]));
  return {
    ...first,
    target: [...new Set(reports.map((r) => r.target))].join(' '),
    model: mergedModel(reports.map((r) => r.model)),
    shard: null,
    mergedShards: reports.length,
    startedAt: reports.map((r) => r.startedAt).sort()[0] ?? first.startedAt,
    durationMs: max((r) => r.durationMs),
    setupMs: max((r) => r.setupMs),
    plan: { ...first.plan, exhausted: reports.every((r) => r.plan.exhausted) },
    deliveries,
    throughputPerSecond: Math.round(sum((r) => r.throughputPerSecond) * 10) / 10,
    latencyMs: latency.summary,
    latencyHistogram: latency.encoded,
    backlog:
      backlogs.length === 0
        ? null
        : {
            maxInFlight: backlogs.reduce((total, b) => total + b.maxInFlight, 0),
            maxLagMs: Math.max(...backlogs.map((b) => b.maxLagMs)),
          },
    timeline: mergedTimeline(reports),
    check,
    replay: first.replay.replace(/ --shard \d+\/\d+/, ''),
    record: null,
    thresholds: [],
    memory: { peakRssBytes: max((r) => r.memory.peakRssBytes), historyBytes: sum((r) => r.memory.historyBytes) },
  };
}

function mergedModel(models: readonly LoadModel[]): LoadModel {
  const [first] = models;
  if (first?.kind === 'open') {
    return {
      kind: 'open',
      ratePerSecond: models.reduce((sum, m) => sum + (m.kind === 'open' ? m.ratePerSecond : 0), 0),
    };
  }
  return { kind: 'closed', concurrency: models.reduce((sum, m) => sum + (m.kind === 'closed' ? m.concurrency : 0), 0) };
}

function mergedTimeline(reports: readonly LoadReport[]): LoadReport['timeline'] {
  const seconds = new Map<number, LoadReport['timeline'][number]>();
  for (const point of reports.flatMap((r) => r.timeline)) {
    const seen = seconds.get(point.second);
    seconds.set(
      point.second,
      seen === undefined
        ? point
        : {
            second: point.second,
            count: seen.count + point.count,
            p50: Math.max(seen.p50, point.p50),
            p99: Math.max(seen.p99, point.p99),
            max: Math.max(seen.max, point.max),
          },
    );
  }
  return [...seconds.values()].sort((a, b) => a.second - b.second);
}
