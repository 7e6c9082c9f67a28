import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { providers } from '../contracts/providers/index.js';
import { generatorSpeed } from './generator-speed.js';
import { memory } from './memory.js';
import { receiverThroughput } from './receiver-throughput.js';
import { suiteTime, testSuiteTime } from './suite-time.js';
import { type BenchResult, machine, machineLoad, waitForQuiet } from './support.js';

/**
 * `npm run bench`: the four benchmarks, each side by side with its baseline in the same run on the same machine,
 * written to bench/results.md; a fifth, the test suite's wall time, with `--only 5`. Sizes are flags; the defaults are
 * the issue's numbers.
 */
const { values } = parseArgs({
  options: {
    only: { type: 'string', default: '1,2,3,4' },
    'generator-events': { type: 'string', default: '100000' },
    'receiver-events': { type: 'string', default: '20000' },
    'memory-events': { type: 'string', default: '1000000' },
    'demo-runs': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    force: { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('../../../../bench/results.md', import.meta.url)) },
  },
});
const only = new Set((values.only ?? '').split(','));
const concurrency = Number(values.concurrency);
const secret = providers.stripe.secret.generate(new Uint8Array(randomBytes(32)));
// The reference receiver serves its probe only with a token; the servers and the load runs started below inherit it.
process.env.IPN_GAUNTLET_PROBE_TOKEN ??= randomBytes(24).toString('base64url');
const dir = await mkdtemp(join(tmpdir(), 'ipn-gauntlet-bench-'));
const startedAt = new Date();
const description = machine();

const benches: [string, string, () => Promise<BenchResult>][] = [
  [
    '1',
    'Generator speed',
    () => generatorSpeed({ events: Number(values['generator-events']), concurrency, secret, dir }),
  ],
  [
    '2',
    'Reference receiver throughput',
    () => receiverThroughput({ events: Number(values['receiver-events']), concurrency, secret, dir }),
  ],
  ['3', 'Scenario suite wall time', () => suiteTime(Number(values['demo-runs']))],
  ['4', 'Memory', () => memory({ events: Number(values['memory-events']), concurrency, secret, dir })],
  ['5', 'Test suite wall time', () => testSuiteTime()],
];

/** How long a benchmark waits for a busy machine to quieten before it reports "not measured". */
const QUIET_WAIT_MS = 3 * 60_000;

const results: BenchResult[] = [];
try {
  for (const [id, title, bench] of benches) {
    if (!only.has(id)) continue;
    process.stdout.write(`bench ${id}: ${title}…\n`);
    const busy = await waitForQuiet(values.force === true, {
      machine: machineLoad,
      sleep: (ms) => delay(ms),
      now: () => performance.now(),
      maxWaitMs: QUIET_WAIT_MS,
      pollMs: 5_000,
      onWait: (oneMinute, waitedMs) => {
        if (waitedMs % 30_000 < 5_000) {
          process.stdout.write(`  waiting for the machine to quieten (load average ${oneMinute.toFixed(1)})…\n`);
        }
      },
    });
    if (busy !== null) {
      results.push({
        id,
        title,
        rows: [{ measured: '', value: busy, baseline: '', ratio: '', goal: '', met: false }],
        notes: [],
      });
      process.stdout.write(`${busy}\n`);
      continue;
    }
    try {
      results.push(await bench());
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      results.push({
        id,
        title,
        rows: [{ measured: '', value: `failed: ${message}`, baseline: '', ratio: '', goal: '', met: false }],
        notes: [],
      });
    }
    process.stdout.write(`${table(results.slice(-1))}\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

// Results are kept per benchmark (with when and where each ran) in a JSON file beside the table, so `--only 2` re-runs
// one benchmark and keeps the others' last results.
const out = values.out ?? 'results.md';
const store = out.replace(/\.md$/, '.json');
const previous = await readFile(store, 'utf8')
  .then((text) => JSON.parse(text) as StoredResult[])
  .catch(() => [] as StoredResult[]);
const ran = results.map((result) => ({ ...result, ranAt: startedAt.toISOString(), machine: description }));
const all = [...previous.filter((p) => !ran.some((r) => r.id === p.id)), ...ran].sort((a, b) =>
  a.id.localeCompare(b.id),
);
await writeFile(store, `${JSON.stringify(all, null, 2)}\n`);

const runs = [...new Set(all.map((r) => `${r.ranAt} on ${r.machine}`))];
const markdown = `# Benchmark results

Written by \`npm run bench\` (\`npm run bench -- --only 2\` re-runs one benchmark and keeps the others' last results).
Each benchmark runs its baseline in the same run, on the same machine; the receiver and the load generator are separate
processes. On a shared or busy machine the numbers vary from run to run: the ratios are the comparison.

${runs
  .map(
    (run) =>
      `- Benchmarks ${all
        .filter((r) => `${r.ranAt} on ${r.machine}` === run)
        .map((r) => r.id)
        .join(', ')} ran ${run}.`,
  )
  .join('\n')}

${table(all)}

${all.flatMap((r) => r.notes.map((note) => `- ${r.id}. ${note}`)).join('\n')}
`;
await writeFile(out, markdown);
process.stdout.write(`\nwrote ${out}\n`);

interface StoredResult extends BenchResult {
  readonly ranAt: string;
  readonly machine: string;
}

function table(list: readonly BenchResult[]): string {
  const lines = [
    '| # | benchmark | measured | result | baseline | ratio | goal | met |',
    '| - | - | - | - | - | - | - | - |',
  ];
  for (const result of list) {
    for (const row of result.rows) {
      const met = row.met === null ? '—' : row.met ? 'yes' : '**no**';
      lines.push(
        `| ${result.id} | ${result.title} | ${row.measured} | ${row.value} | ${row.baseline} | ${row.ratio} | ${row.goal} | ${met} |`,
      );
    }
  }
  return lines.join('\n');
}
