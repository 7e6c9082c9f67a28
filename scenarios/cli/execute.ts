import { runSummary, styleFor, verdictLine } from '../report/console.js';
import { type GithubReportOptions, writeGithubReport } from '../report/github.js';
import { writeHtmlReport } from '../report/html.js';
import { writeJsonReport } from '../report/json.js';
import { writeJunitReport } from '../report/junit.js';
import { writeRunSummary } from '../report/run-summary.js';
import { summaryTable } from '../report/summary-table.js';
import { type RunOptions, runGauntlet } from '../runner.js';
import type { LiveFeed } from '../ui/live-feed.js';
import type { RunReport } from '../verdict.js';
import type { CliIo } from './io.js';

/** Where to write reports besides the console. */
export interface ReportFiles {
  readonly json?: string | undefined;
  readonly junit?: string | undefined;
  readonly html?: string | undefined;
  /** The live dashboard's feed (`--ui`): every attempt and verdict as it happens, then the reports. */
  readonly live?: LiveFeed | undefined;
  /** `--summary-export FILE`: the verdicts in the published summary shape (schemas/run-summary.schema.json). */
  readonly summary?: { readonly file: string; readonly command: 'run' | 'demo' } | undefined;
  /** `--reporter github`: annotations on stdout and the job summary in `$GITHUB_STEP_SUMMARY`. */
  readonly github?: GithubReportOptions | undefined;
  /**
   * How many runs play at once (default 1). Above 1, each run's lines are held and printed as one block, in the
   * order of `runs`, once it and every run before it are done; there is no progress line.
   */
  readonly parallel?: number | undefined;
}

/**
 * Runs one or more providers' gauntlets, streaming a line per guarantee; exit code 0 all held, 1 one broke. Reports and
 * the live feed carry what the console shows: every registered secret hidden.
 */
export async function executeRuns(runs: readonly RunOptions[], io: CliIo, files: ReportFiles): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  const publish: LiveFeed['publish'] = (event) => files.live?.publish(io.redactor.value(event));
  // The progress line rewrites itself, so only where a person watches a terminal.
  const live = io.stdout.isTTY === true && io.env.CI === undefined;
  const parallel = Math.max(1, Math.min(files.parallel ?? 1, runs.length));
  const playOne = async (run: RunOptions, write: (text: string) => void, showProgress: boolean) => {
    write(
      `\n${style.bold(run.provider.title)} ${style.dim(`→ ${run.target}  (seed ${run.seed}, run ${run.runId})`)}\n`,
    );
    publish({
      type: 'run',
      provider: run.provider.id,
      target: run.target,
      seed: run.seed,
      runId: run.runId,
      startedAt: new Date((run.clock ?? io.clock)()).toISOString(),
    });
    const report = await runGauntlet({
      ...run,
      onAttempt: (guarantee, entry) => {
        publish({ type: 'attempt', provider: run.provider.id, guarantee, entry });
        run.onAttempt?.(guarantee, entry);
      },
      onProgress: (progress) => {
        if (!showProgress) return;
        const { guarantee, sent, acknowledged, refused, unsure } = progress;
        write(
          `\r\u001b[2K  ${style.dim(`${guarantee}… ${sent} sent, ${acknowledged} acknowledged, ${refused} refused, ${unsure} unsure`)}`,
        );
      },
      onVerdict: (verdict) => {
        write(`${showProgress ? '\r\u001b[2K' : ''}${verdictLine(verdict, style)}\n`);
        publish({ type: 'verdict', provider: run.provider.id, verdict });
        run.onVerdict?.(verdict);
      },
    });
    return io.redactor.value(report);
  };
  const reports: RunReport[] = [];
  if (parallel === 1) {
    for (const run of runs) reports.push(await playOne(run, (text) => io.stdout.write(text), live));
  } else {
    // Each run's lines in a block of its own, printed in order: the next block as soon as every one before is done.
    const blocks = runs.map(() => ({ text: '', done: false }));
    let printed = 0;
    const flush = () => {
      while (printed < blocks.length && blocks[printed]?.done === true) {
        io.stdout.write(blocks[printed]?.text ?? '');
        printed += 1;
      }
    };
    const results: RunReport[] = new Array(runs.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < runs.length; index = next++) {
        const run = runs[index];
        const block = blocks[index];
        if (run === undefined || block === undefined) continue;
        results[index] = await playOne(run, (text) => (block.text += text), false);
        block.done = true;
        flush();
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    reports.push(...results);
  }
  io.stdout.write(`\n${summaryTable(reports, style)}\n\n${runSummary(reports, style)}\n`);
  if (files.json !== undefined) {
    await writeJsonReport(files.json, reports);
    io.stdout.write(style.dim(`JSON report: ${files.json}\n`));
  }
  if (files.junit !== undefined) {
    await writeJunitReport(files.junit, reports);
    io.stdout.write(style.dim(`JUnit report: ${files.junit}\n`));
  }
  if (files.html !== undefined) {
    await writeHtmlReport(files.html, reports);
    io.stdout.write(style.dim(`HTML report: ${files.html}\n`));
  }
  if (files.summary !== undefined) {
    await writeRunSummary(files.summary.file, reports, files.summary.command);
    io.stdout.write(style.dim(`Summary: ${files.summary.file}\n`));
  }
  if (files.github !== undefined) await writeGithubReport(reports, io, files.github);
  publish({ type: 'done', reports });
  // Only a run where every guarantee held passes: a guarantee not judged has not been shown to hold.
  return reports.every((r) => r.results.every((v) => v.status === 'pass')) ? 0 : 1;
}
