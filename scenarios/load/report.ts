import { z } from 'zod';
import { FactKindSchema } from '../../contracts/lifecycle.js';
import { OrderViewSchema } from '../../contracts/probe.js';
import { THRESHOLD_EXIT_CODE, ThresholdResultSchema } from './threshold.js';

/** A load run's results are data: the console summary, `--json` and `--html` all render this object. */
const count = z.number().int().nonnegative();
const millis = z.number().nonnegative();

export const LostEventSchema = z.object({
  eventId: z.string(),
  orderId: z.string(),
  kind: FactKindSchema,
  problem: z.string(),
});
export type LostEvent = z.infer<typeof LostEventSchema>;

export const OrderProblemSchema = z.object({ orderId: z.string(), problem: z.string() });
export type OrderProblem = z.infer<typeof OrderProblemSchema>;

export const ForgedAcceptedSchema = z.object({
  /** The delivery's number in the run, from 1. */
  delivery: count,
  eventId: z.string(),
  forgery: z.string(),
  statusCode: z.number().int(),
});
export type ForgedAccepted = z.infer<typeof ForgedAcceptedSchema>;

const orderProblems = z.object({ count, orders: z.array(OrderProblemSchema) });

/** Lists hold at most 100 items each; the counts are exact. */
export const LoadCheckSchema = z.object({
  status: z.enum(['pass', 'fail', 'skipped']),
  reason: z.string().nullable(),
  /** Orders created through the probe before the run: every order of the plan (of the shard). */
  ordersCreated: count,
  /** Orders at least one event was sent for; the rest of the plan's orders were past the --events or --duration limit. */
  ordersChecked: count,
  lost: z.object({ count, events: z.array(LostEventSchema) }),
  appliedTwice: orderProblems,
  /** Orders fulfilled or paid although an acknowledged payment's amount or currency differ from the order's. */
  amountMismatch: orderProblems,
  /** Orders left wrong by events acknowledged out of the gateway's order (a stale event won, an early one was dropped). */
  outOfOrder: orderProblems,
  forgedAccepted: z.object({ count, deliveries: z.array(ForgedAcceptedSchema) }),
  /** Orders whose state no set of the sent events explains. */
  unexplained: orderProblems,
});
export type LoadCheck = z.infer<typeof LoadCheckSchema>;

export const LatencySummarySchema = z.object({
  count,
  p50: millis,
  p90: millis,
  p95: millis,
  p99: millis,
  p999: millis,
  max: millis,
  mean: millis,
});

export const LatencyPointSchema = z.object({ second: count, count, p50: millis, p99: millis, max: millis });

export const LoadModelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), ratePerSecond: z.number().positive() }),
  z.object({ kind: z.literal('closed'), concurrency: z.number().int().positive() }),
]);
export type LoadModel = z.infer<typeof LoadModelSchema>;

export const ShardSchema = z.object({ index: z.number().int().positive(), count: z.number().int().positive() });
export type Shard = z.infer<typeof ShardSchema>;

/**
 * What `load merge` needs of a shard beyond its summary: every delivery's event, kind, answer and timing, and the
 * order views its check read. Columns of little-endian typed arrays in base64: event Uint32, kind Uint8, status
 * Uint16, sentAtMs Float64, latencyUs Uint32 (0xffffffff: no answer).
 */
export const ShardRecordSchema = z.object({
  deliveries: z.object({
    event: z.string(),
    kind: z.string(),
    status: z.string(),
    sentAtMs: z.string(),
    latencyUs: z.string(),
  }),
  /** [order number, the view the probe showed, or null when it did not know the order]. */
  observed: z.array(z.tuple([count, OrderViewSchema.nullable()])),
});
export type ShardRecord = z.infer<typeof ShardRecordSchema>;

export const LoadReportSchema = z.object({
  tool: z.literal('ipn-gauntlet'),
  command: z.literal('load'),
  provider: z.string(),
  target: z.string(),
  probe: z.string().nullable(),
  seed: z.number().int(),
  runId: z.string(),
  model: LoadModelSchema,
  /** `--shard i/n`: this run sent the part of the plan that is shard i of n; null: the whole plan. */
  shard: ShardSchema.nullable(),
  /** `load merge`: how many shard reports this one merges; null for a run. */
  mergedShards: count.nullable(),
  startedAt: z.string(),
  /** From the first delivery to the last answer. */
  durationMs: millis,
  /** Creating the plan's orders through the probe, before the timed run. */
  setupMs: millis,
  plan: z.object({
    orders: count,
    /** Genuine events planned: whole orders, so up to a few more than the deliveries that were sent. */
    events: count,
    /** The plan's delivery limit (--events, or what the rate and duration allow): part of its identity. */
    deliveries: count,
    duplicatePercent: z.number().nonnegative(),
    forgedPercent: z.number().nonnegative(),
    /** True when the plan ran out before the duration or event limit. */
    exhausted: z.boolean(),
  }),
  deliveries: z.object({
    sent: count,
    genuine: count,
    duplicates: count,
    forged: count,
    /** 2xx */
    acknowledged: count,
    /** 4xx */
    refused: count,
    /** 5xx, timeout or no connection: the receiver may or may not have applied it. */
    unsure: count,
  }),
  /** Answered deliveries per second. */
  throughputPerSecond: z.number().nonnegative(),
  latencyMs: LatencySummarySchema,
  /** The whole run's latency histogram (microseconds), HDR compressed base64, for merging shards. */
  latencyHistogram: z.string(),
  /** Open model: the backlog the receiver built (most deliveries outstanding) and how far sending fell behind. */
  backlog: z.object({ maxInFlight: count, maxLagMs: millis }).nullable(),
  timeline: z.array(LatencyPointSchema),
  check: LoadCheckSchema,
  /** The command that sends the same plan again (the secret read from IPN_GAUNTLET_SECRET). */
  replay: z.string(),
  /** Only with --shard: what `load merge` re-checks. */
  record: ShardRecordSchema.nullable(),
  /** `--threshold` and the config's `thresholds`: each with the value measured and whether it held. */
  thresholds: z.array(ThresholdResultSchema),
  /** The generator's own memory: peak resident set size and the history's typed arrays. */
  memory: z.object({ peakRssBytes: count, historyBytes: count }),
});
export type LoadReport = z.infer<typeof LoadReportSchema>;

/**
 * Exit code of a load run: 1 when the check found a problem (lost, applied twice, amount mismatch, out of order,
 * unexplained, forgery accepted), whatever the thresholds; else 99 (THRESHOLD_EXIT_CODE, as k6) when a threshold was
 * crossed; else 0.
 */
export function loadExitCode(report: LoadReport): 0 | 1 | typeof THRESHOLD_EXIT_CODE {
  if (report.check.status === 'fail') return 1;
  return report.thresholds.some((t) => !t.passed) ? THRESHOLD_EXIT_CODE : 0;
}
