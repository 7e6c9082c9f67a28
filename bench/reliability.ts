import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type FigureLine,
  readFigureLines,
  type StoredRun,
  type TestOutcome,
  testOutcomes,
} from './reliability-store.js';
import { reliabilityMarkdown } from './reliability-table.js';
import { machine } from './support.js';

/**
 * `npm run reliability`: the tests of test/reliability/ at their large sizes (`IPN_RELIABILITY=large`: thousands of
 * fuzzed requests per backend, crash bursts of 3,000 events with 20 SIGKILLs five times per setup, the storage faults
 * and hostile receivers under more load), one test file at a time, loopback only. Each test records what it measured;
 * this collects it into bench/reliability-results.md (and .json), keeping the last figures of test files not re-run
 * (`--only crash-bursts,fuzz-routes`). Exit code: vitest's.
 */
// The project's folder: npm runs scripts there.
const root = process.cwd();
const { values } = parseArgs({
  options: {
    only: { type: 'string', default: '' },
    out: { type: 'string', default: join(root, 'bench', 'reliability-results.md') },
  },
});
const only = (values.only ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const out = values.out ?? join(root, 'bench', 'reliability-results.md');
const store = out.replace(/\.md$/, '.json');

const dir = await mkdtemp(join(tmpdir(), 'ipn-gauntlet-reliability-'));
const figuresFile = join(dir, 'figures.jsonl');
const outcomesFile = join(dir, 'vitest.json');
const startedAt = new Date();
const description = machine();
let code: number | null = null;
let figures: FigureLine[] = [];
let outcomes: TestOutcome[] = [];
try {
  await writeFile(figuresFile, '');
  const files = only.length === 0 ? ['test/reliability/'] : only.map((name) => `test/reliability/${name}`);
  process.stdout.write(`npm run reliability: ${files.join(' ')} at the large sizes, one file at a time…\n`);
  code = await vitest(
    [
      'run',
      ...files,
      '--no-file-parallelism',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${outcomesFile}`,
    ],
    { IPN_RELIABILITY: 'large', IPN_RELIABILITY_FIGURES: figuresFile },
  );
  figures = await readFigureLines(figuresFile);
  outcomes = await testOutcomes(outcomesFile, root);
} finally {
  await rm(dir, { recursive: true, force: true });
}

const ran: StoredRun = { ranAt: startedAt.toISOString(), machine: description, figures, outcomes };
const previous = await readFile(store, 'utf8')
  .then((text) => JSON.parse(text) as StoredRun[])
  .catch(() => [] as StoredRun[]);
// A test file re-run replaces its earlier figures and outcomes; the others keep theirs.
const rerun = new Set(outcomes.map((o) => o.file));
const kept = previous
  .map((run) => ({
    ...run,
    figures: run.figures.filter((f) => !rerun.has(f.file)),
    outcomes: run.outcomes.filter((o) => !rerun.has(o.file)),
  }))
  .filter((run) => run.outcomes.length > 0 || run.figures.length > 0);
const all = [...kept, ran];
await writeFile(store, `${JSON.stringify(all, null, 2)}\n`);
await writeFile(out, reliabilityMarkdown(all));
process.stdout.write(`\nwrote ${out}\n`);
process.exitCode = code ?? 1;

function vitest(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number | null> {
  const entry = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
}
