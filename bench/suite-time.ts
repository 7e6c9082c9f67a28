import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { providerIds } from '../contracts/providers/index.js';
import { type BenchResult, cliScript, runNode } from './support.js';

/**
 * 3. Scenario suite wall time: `ipn-gauntlet demo` (the full run against the reference receiver, every provider),
 * `runs` times one after another; the median is the result, the range a note (on shared cores one run swings by a
 * third).
 */
export async function suiteTime(runs: number): Promise<BenchResult> {
  const measured: { seconds: number; code: number | null; held: string | null; stderr: string }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const run = await runNode(cliScript(), ['demo', '--seed', '3'], { CI: '1' }, 10 * 60_000);
    const held = /(\d+ of \d+) guarantees held/.exec(run.stdout);
    measured.push({ seconds: run.wallMs / 1000, code: run.code, held: held?.[1] ?? null, stderr: run.stderr });
  }
  const seconds = median(measured.map((m) => m.seconds));
  const failed = measured.find((m) => m.code !== 0);
  const held = measured[0]?.held;
  const range = measured.map((m) => m.seconds.toFixed(1)).join(', ');
  return {
    id: '3',
    title: 'Scenario suite wall time',
    rows: [
      {
        measured: `\`ipn-gauntlet demo\`, ${providerIds.length} providers (${providerIds.join(', ')}), median of ${runs}`,
        value: `${seconds.toFixed(1)} s (${failed === undefined ? 'exit 0' : `exit ${failed.code}`}${held == null ? '' : `, ${held} held`})`,
        baseline: '',
        ratio: '',
        // Issue 14's goal for the demo of every provider.
        goal: '< 8 s',
        met: seconds < 8 && failed === undefined,
      },
    ],
    notes: [
      `runs of ${range} s.`,
      ...(failed === undefined ? [] : [`demo exited with ${failed.code}: ${failed.stderr.slice(0, 300)}`]),
    ],
  };
}

/**
 * 5. Test suite wall time: `npm test` (type-check, lint, the vitest suite) in the repository, as CI runs it. Not in the
 * default set (`--only 5`): it takes minutes and its own benchmark's results are not in question.
 */
export async function testSuiteTime(): Promise<BenchResult> {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', ['test'], { cwd: root, env: { ...process.env, CI: '1' } });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', (exitCode) => resolve({ code: exitCode, output }));
  });
  const seconds = (performance.now() - started) / 1000;
  // vitest's summary: `Tests  1720 passed (1720)`, colours stripped.
  const plain = stripVTControlCharacters(output);
  const tests = /Tests\s+(.+?)\n/.exec(plain)?.[1]?.trim() ?? 'no vitest summary';
  return {
    id: '5',
    title: 'Test suite wall time',
    rows: [
      {
        measured: '`npm test` (build, type-check, lint, vitest)',
        value: `${seconds.toFixed(0)} s (exit ${code}; tests ${tests})`,
        baseline: '',
        ratio: '',
        goal: '< 120 s',
        met: seconds < 120 && code === 0,
      },
    ],
    notes: code === 0 ? [] : [`npm test exited with ${code}: ${plain.slice(-300)}`],
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
