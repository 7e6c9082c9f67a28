import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { GuaranteeIdSchema } from '../../contracts/guarantees.js';
import type { RunReport } from '../verdict.js';

/**
 * `run --summary-export FILE` (and `demo`): every run's verdicts in one small JSON document for CI tools, as k6's
 * summary export. Its JSON Schema, generated from this zod schema, is published as schemas/run-summary.schema.json.
 */
export const RUN_SUMMARY_VERSION = 1;

const GuaranteeSummarySchema = z.object({
  id: GuaranteeIdSchema,
  status: z.enum(['pass', 'fail', 'unknown']),
  reason: z.string().nullable().describe('Why the verdict is unknown; null otherwise'),
  findings: z.number().int().nonnegative().describe('How many findings the verdict has (the JSON report has them)'),
  reasons: z.array(z.string()).describe("The findings' distinct reason codes, e.g. answer.accepted-forged"),
  deliveries: z.number().int().nonnegative(),
  summary: z.string(),
  replay: z.string().describe('The command that replays exactly this guarantee'),
});

export const RunSummarySchema = z
  .object({
    summaryVersion: z.literal(RUN_SUMMARY_VERSION),
    tool: z.literal('ipn-gauntlet'),
    command: z.enum(['run', 'demo']),
    runs: z.array(
      z.object({
        provider: z.string(),
        seed: z.number().int(),
        runId: z.string(),
        target: z.string(),
        profile: z.string().nullable(),
        startedAt: z.string(),
        durationMs: z.number().nonnegative(),
        counts: z.object({ pass: z.number().int(), fail: z.number().int(), unknown: z.number().int() }),
        guarantees: z.array(GuaranteeSummarySchema),
      }),
    ),
    exitCode: z.union([z.literal(0), z.literal(1)]).describe('0: every guarantee held; 1: one broke or was not judged'),
  })
  .meta({ title: 'ipn-gauntlet run summary' });
export type RunSummary = z.infer<typeof RunSummarySchema>;

export function runSummaryExport(reports: readonly RunReport[], command: 'run' | 'demo'): RunSummary {
  const held = reports.every((r) => r.results.every((v) => v.status === 'pass'));
  return {
    summaryVersion: RUN_SUMMARY_VERSION,
    tool: 'ipn-gauntlet',
    command,
    runs: reports.map((report) => ({
      provider: report.provider,
      seed: report.seed,
      runId: report.runId,
      target: report.target,
      profile: report.profile ?? null,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      counts: {
        pass: report.results.filter((v) => v.status === 'pass').length,
        fail: report.results.filter((v) => v.status === 'fail').length,
        unknown: report.results.filter((v) => v.status === 'unknown').length,
      },
      guarantees: report.results.map((v) => ({
        id: v.guarantee,
        status: v.status,
        reason: v.reason,
        findings: v.findings.length,
        reasons: [...new Set(v.findings.map((f) => f.reason))],
        deliveries: v.deliveries,
        summary: v.summary,
        replay: v.replay,
      })),
    })),
    exitCode: held ? 0 : 1,
  };
}

export async function writeRunSummary(file: string, reports: readonly RunReport[], command: 'run' | 'demo') {
  await writeFile(file, `${JSON.stringify(runSummaryExport(reports, command), null, 2)}\n`);
}

/** The published JSON Schema of the summary export, as committed in schemas/run-summary.schema.json. */
export function runSummaryJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(RunSummarySchema, { target: 'draft-2020-12' }), null, 2)}\n`;
}
