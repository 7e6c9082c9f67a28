import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { IpnError } from '../../contracts/errors.js';
import { type RunReport, RunReportSchema } from '../verdict.js';

/** What `--json FILE` writes for several providers (see `writeJsonReport`): every run's report. */
const MultiRunReportSchema = z.object({
  tool: z.literal('ipn-gauntlet'),
  seed: z.number().int().optional(),
  runs: z.array(RunReportSchema),
});

/** The run reports in a JSON report written by `run --json` / `demo --json`: one run's report, or `{ runs: [...] }`. */
export async function readJsonReport(file: string): Promise<RunReport[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new IpnError('IPN_ERR_REPORT_INVALID', `cannot read the JSON report ${file} (${reason}).`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IpnError('IPN_ERR_REPORT_INVALID', `${file} is not JSON (${reason}).`, { cause: error });
  }
  const several = typeof json === 'object' && json !== null && 'runs' in json;
  const parsed = several ? MultiRunReportSchema.safeParse(json) : RunReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '(top level)' : issue.path.join('.');
    throw new IpnError(
      'IPN_ERR_REPORT_INVALID',
      `${file} is not an ipn-gauntlet JSON report: at ${where}, ${issue?.message ?? 'unreadable'}.`,
    );
  }
  return 'runs' in parsed.data ? parsed.data.runs : [parsed.data];
}
