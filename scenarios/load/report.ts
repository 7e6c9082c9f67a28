import { z } from 'zod';
import { FactKindSchema } from '../../contracts/lifecycle.js';

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

/** Lists hold at most 100 items each; the counts are exact. */
export const LoadCheckSchema = z.object({
  status: z.enum(['pass', 'fail', 'skipped']),
  reason: z.string().nullable(),
  ordersChecked: count,
  lost: z.object({ count, events: z.array(LostEventSchema) }),
  appliedTwice: z.object({ count, orders: z.array(OrderProblemSchema) }),
  forgedAccepted: z.object({ count, deliveries: z.array(ForgedAcceptedSchema) }),
  /** Orders whose state no set of the sent events explains. */
  unexplained: z.object({ count, orders: z.array(OrderProblemSchema) }),
});
export type LoadCheck = z.infer<typeof LoadCheckSchema>;

export const LatencySummarySchema = z.object({
  count,
  p50: millis,
  p90: millis,
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

export const LoadReportSchema = z.object({
  tool: z.literal('ipn-gauntlet'),
  command: z.literal('load'),
  provider: z.string(),
  target: z.string(),
  probe: z.string().nullable(),
  seed: z.number().int(),
  runId: z.string(),
  model: LoadModelSchema,
  startedAt: z.string(),
  /** From the first delivery to the last answer. */
  durationMs: millis,
  /** Creating the plan's orders through the probe, before the timed run. */
  setupMs: millis,
  plan: z.object({
    orders: count,
    events: count,
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
  /** Open model: the backlog the receiver built (most deliveries outstanding) and how far sending fell behind. */
  backlog: z.object({ maxInFlight: count, maxLagMs: millis }).nullable(),
  timeline: z.array(LatencyPointSchema),
  check: LoadCheckSchema,
  /** The generator's own memory: peak resident set size and the history's typed arrays. */
  memory: z.object({ peakRssBytes: count, historyBytes: count }),
});
export type LoadReport = z.infer<typeof LoadReportSchema>;

/** Exit code of a load run: 1 when the check found a lost, twice-applied or unexplained order or an accepted forgery. */
export function loadExitCode(report: LoadReport): 0 | 1 {
  return report.check.status === 'fail' ? 1 : 0;
}
