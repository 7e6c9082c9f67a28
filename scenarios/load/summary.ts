import { z } from 'zod';
import { type LoadReport, loadExitCode, ShardSchema } from './report.js';
import {
  measuredMetrics,
  metricDescriptions,
  THRESHOLD_EXIT_CODE,
  ThresholdResultSchema,
  thresholdMetrics,
} from './threshold.js';

/**
 * `load --summary-export FILE` (and `load merge --summary-export FILE`): the run's metrics, thresholds and verdict in
 * one small JSON document for CI tools, as k6's summary export. Its JSON Schema, generated from this zod schema, is
 * published as schemas/load-summary.schema.json.
 */
export const SUMMARY_VERSION = 1;

const metricShape = Object.fromEntries(
  thresholdMetrics.map((metric) => [metric, z.number().describe(metricDescriptions[metric])]),
) as Record<(typeof thresholdMetrics)[number], z.ZodNumber>;

export const LoadSummarySchema = z
  .object({
    summaryVersion: z.literal(SUMMARY_VERSION),
    tool: z.literal('ipn-gauntlet'),
    command: z.literal('load'),
    provider: z.string(),
    seed: z.number().int(),
    runId: z.string(),
    shard: ShardSchema.nullable().describe('The shard this run sent (--shard i/n); null for the whole plan'),
    mergedShards: z.number().int().nonnegative().nullable().describe('`load merge`: how many shards were merged'),
    startedAt: z.string(),
    durationMs: z.number().nonnegative(),
    deliveries: z.number().int().nonnegative(),
    metrics: z.object(metricShape).describe('Every metric a threshold can name; latencies in ms'),
    check: z
      .enum(['pass', 'fail', 'skipped'])
      .describe(
        'The correctness check: fail when anything was lost, applied twice, mismatched, misordered, unexplained or a forgery accepted',
      ),
    thresholds: z.array(ThresholdResultSchema),
    exitCode: z
      .union([z.literal(0), z.literal(1), z.literal(THRESHOLD_EXIT_CODE)])
      .describe(`0 pass; 1 the check failed; ${THRESHOLD_EXIT_CODE} a threshold was crossed`),
    replay: z.string().describe('The command that sends the same plan again'),
  })
  .meta({ title: 'ipn-gauntlet load summary' });
export type LoadSummary = z.infer<typeof LoadSummarySchema>;

export function loadSummaryExport(report: LoadReport): LoadSummary {
  return {
    summaryVersion: SUMMARY_VERSION,
    tool: 'ipn-gauntlet',
    command: 'load',
    provider: report.provider,
    seed: report.seed,
    runId: report.runId,
    shard: report.shard,
    mergedShards: report.mergedShards,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    deliveries: report.deliveries.sent,
    metrics: measuredMetrics(report),
    check: report.check.status,
    thresholds: report.thresholds,
    exitCode: loadExitCode(report),
    replay: report.replay,
  };
}

/** The published JSON Schema of the summary export, as committed in schemas/load-summary.schema.json. */
export function loadSummaryJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(LoadSummarySchema, { target: 'draft-2020-12' }), null, 2)}\n`;
}
