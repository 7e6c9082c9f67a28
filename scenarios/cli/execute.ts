import { runSummary, styleFor, verdictLine } from '../report/console.js';
import { writeJsonReport } from '../report/json.js';
import { writeJunitReport } from '../report/junit.js';
import { type RunOptions, runGauntlet } from '../runner.js';
import type { RunReport } from '../verdict.js';
import type { CliIo } from './io.js';

/** Runs one or more providers' gauntlets, streaming a line per guarantee; exit code 0 all held, 1 one broke. */
/** Where to write reports besides the console. */
export interface ReportFiles {
  readonly json?: string | undefined;
  readonly junit?: string | undefined;
}

export async function executeRuns(runs: readonly RunOptions[], io: CliIo, files: ReportFiles): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  const reports: RunReport[] = [];
  for (const run of runs) {
    io.stdout.write(
      `\n${style.bold(run.provider.title)} ${style.dim(`→ ${run.target}  (seed ${run.seed}, run ${run.runId})`)}\n`,
    );
    reports.push(
      await runGauntlet({
        ...run,
        onVerdict: (verdict) => {
          io.stdout.write(`${verdictLine(verdict, style)}\n`);
          run.onVerdict?.(verdict);
        },
      }),
    );
  }
  io.stdout.write(`\n${runSummary(reports, style)}\n`);
  if (files.json !== undefined) {
    await writeJsonReport(files.json, reports);
    io.stdout.write(style.dim(`JSON report: ${files.json}\n`));
  }
  if (files.junit !== undefined) {
    await writeJunitReport(files.junit, reports);
    io.stdout.write(style.dim(`JUnit report: ${files.junit}\n`));
  }
  return reports.every((r) => r.results.every((v) => v.status === 'pass')) ? 0 : 1;
}
