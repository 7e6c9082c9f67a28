import { runSummary, styleFor, verdictLine } from '../report/console.js';
import { writeJsonReport } from '../report/json.js';
import { writeJunitReport } from '../report/junit.js';
import { type RunOptions, runGauntlet } from '../runner.js';
import type { RunReport } from '../verdict.js';
import type { CliIo } from './io.js';

/** Where to write reports besides the console. */
export interface ReportFiles {
  readonly json?: string | undefined;
  readonly junit?: string | undefined;
}

/** Runs one or more providers' gauntlets, streaming a line per guarantee; exit code 0 all held, 1 one broke. */
export async function executeRuns(runs: readonly RunOptions[], io: CliIo, files: ReportFiles): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  // The progress line rewrites itself, so only where a person watches a terminal.
  const live = io.stdout.isTTY === true && io.env.CI === undefined;
  const reports: RunReport[] = [];
  for (const run of runs) {
    io.stdout.write(
      `\n${style.bold(run.provider.title)} ${style.dim(`→ ${run.target}  (seed ${run.seed}, run ${run.runId})`)}\n`,
    );
    reports.push(
      await runGauntlet({
        ...run,
        onProgress: (progress) => {
          if (!live) return;
          const { guarantee, sent, acknowledged, refused, unsure } = progress;
          io.stdout.write(
            `\r\u001b[2K  ${style.dim(`${guarantee}… ${sent} sent, ${acknowledged} acknowledged, ${refused} refused, ${unsure} unsure`)}`,
          );
        },
        onVerdict: (verdict) => {
          io.stdout.write(`${live ? '\r\u001b[2K' : ''}${verdictLine(verdict, style)}\n`);
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
