import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import { providers } from '../../contracts/providers/index.js';
import { type RunningReceiver, startReceiver } from '../../receiver/server.js';
import { LoadReportSchema } from '../../scenarios/load/report.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { compiledProject } from '../support/compiled.js';
import { runHarness } from '../support/harness-process.js';
import { type HostileMode, SLOW_ANSWER_MS, startHostileFront } from '../support/hostile-front.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';
import { large, recordFigures, sized } from '../support/reliability.js';

/**
 * The whole harness, as a process of its own, against a correct receiver behind a hostile front: webhook answers that
 * never end, of 64 MiB, or later than the gateway waits; probe answers that never end or are 200 MB. Each run ends
 * within a bounded time with an outcome that says what happened, and costs the harness under 250 MB at its peak
 * (before the fixes: hung with 564 MB and growing, 2.1 GB, 797 MB). `npm test` runs one guarantee and 200 load
 * deliveries; `npm run reliability` every Stripe guarantee and 5,000.
 */
const MB = 1_000_000;
const PEAK_RSS_BOUND = 250 * MB;
const LOAD_EVENTS = sized('HOSTILE_LOAD_EVENTS', 200, 5_000);
/** Wall time allowed a run, beyond the hostile answer's own delay: generous for a shared 2-core machine. */
const WALL_BOUND_MS = large ? 240_000 : 60_000;

const provider = providers.stripe;
const secret = provider.secret.generate(new Uint8Array(32).fill(6));
let receiver: RunningReceiver | undefined;
let dir = '';

beforeAll(async () => {
  // Compiled before any test, so a run's wall time is the harness's alone.
  await compiledProject();
  dir = await mkdtemp(join(tmpdir(), 'ipn-hostile-harness-'));
  receiver = await startReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'receiver.db'), ...testProbe });
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

type Command = 'run' | 'load';
const cases: readonly (readonly [HostileMode, Command])[] = [
  ['endless', 'run'],
  ['64 MiB', 'run'],
  ['slow', 'run'],
  ['probe endless', 'run'],
  ['probe 200 MB', 'run'],
  ['endless', 'load'],
  ['64 MiB', 'load'],
];

function argsFor(command: Command, base: string, json: string, seed: number): string[] {
  const common = ['--target', `${base}/webhooks/${provider.route}`, '--probe', `${base}/ipn-probe`];
  const rest = ['--provider', provider.id, '--secret', secret, '--seed', String(seed), '--json', json];
  if (command === 'load') return ['load', ...common, ...rest, '--events', String(LOAD_EVENTS), '--concurrency', '16'];
  return ['run', ...common, ...rest, ...(large ? [] : ['--only', 'idem.sequential'])];
}

/** What a run's JSON report says, in a few words: verdicts by status, or the load check. */
async function outcomeOf(
  command: Command,
  json: string,
): Promise<{ summary: string; statuses: string[]; byGuarantee: Record<string, string> }> {
  const text = await readFile(json, 'utf8').catch(() => null);
  if (text === null) return { summary: 'no report', statuses: [], byGuarantee: {} };
  if (command === 'load') {
    const report = LoadReportSchema.parse(JSON.parse(text));
    const { sent, acknowledged } = report.deliveries;
    const { lost, appliedTwice } = report.check;
    return {
      summary: `${acknowledged} of ${sent} acknowledged; check ${report.check.status}, ${lost.count} lost, ${appliedTwice.count} applied twice`,
      statuses: [report.check.status],
      byGuarantee: {},
    };
  }
  const results = RunReportSchema.parse(JSON.parse(text)).results;
  const statuses = results.map((r) => r.status);
  const counts = ['pass', 'fail', 'unknown'].map((s) => `${statuses.filter((t) => t === s).length} ${s}`);
  return {
    summary: counts.join(', '),
    statuses,
    byGuarantee: Object.fromEntries(results.map((r) => [r.guarantee, r.status])),
  };
}

test.each(cases)(
  'a receiver whose answers are hostile (%s) costs `ipn-gauntlet %s` a bounded time and under 250 MB, with an outcome',
  async (mode, command) => {
    if (receiver === undefined) throw new Error('no receiver');
    const front = await startHostileFront(receiver.url, mode);
    onTestFinished(() => front.close());
    const seed = 40 + cases.findIndex(([m, c]) => m === mode && c === command);
    const json = join(dir, `${command}-${seed}.json`);
    const delay = mode === 'slow' ? SLOW_ANSWER_MS : 0;
    const run = await runHarness(
      argsFor(command, front.base, json, seed),
      { [PROBE_TOKEN_ENV]: TEST_PROBE_TOKEN },
      WALL_BOUND_MS + delay + 60_000,
    );
    const outcome = await outcomeOf(command, json);
    const firstError = run.stderr.split('\n').find((line) => line.trim() !== '') ?? '';
    await recordFigures('hostile receivers', {
      answers: mode,
      harness: `ipn-gauntlet ${command}${command === 'load' ? ` --events ${LOAD_EVENTS}` : large ? ' (every guarantee)' : ' --only idem.sequential'}`,
      'hostile answers': front.stats.hostile,
      'cut by the harness': front.stats.cutByClient,
      'exit code': run.code ?? `killed (${run.signal})`,
      outcome: run.code === 2 ? firstError.slice(0, 140) : outcome.summary,
      'wall s': Math.round(run.wallMs / 100) / 10,
      'peak RSS MB': run.peakRssBytes === null ? '—' : Math.round(run.peakRssBytes / MB),
    });

    expect(run.killed, `still running after ${WALL_BOUND_MS + delay + 60_000} ms:\n${run.stdout}`).toBe(false);
    expect(run.wallMs).toBeLessThan(WALL_BOUND_MS + delay);
    expect(run.peakRssBytes).not.toBeNull();
    expect(run.peakRssBytes ?? Number.POSITIVE_INFINITY).toBeLessThan(PEAK_RSS_BOUND);
    expect(front.stats.hostile).toBeGreaterThan(0);
    if (mode === 'probe endless' || mode === 'probe 200 MB') {
      // The first order read is refused at the 1 MiB cap: a setup error naming the probe, not a hang.
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/IPN_ERR_PROBE_INVALID.*longer than 1048576 bytes/);
      expect(front.stats.cutByClient).toBeGreaterThan(0);
    } else if (mode === 'slow') {
      // The canary's answer came after the gateway's timeout: liveness.ack-latency fails, nothing else can be judged
      // and the run says why.
      expect(run.code, run.stderr).toBe(1);
      const { 'liveness.ack-latency': latency, ...others } = outcome.byGuarantee;
      expect(latency).toBe('fail');
      expect(Object.keys(others).length).toBeGreaterThan(0);
      expect(new Set(Object.values(others))).toEqual(new Set(['unknown']));
      expect(await readFile(json, 'utf8')).toMatch(/later than the gateway waits/);
    } else {
      // Endless and huge answers are judged by their status, cut at the cap: the correct receiver passes.
      expect(run.code, run.stderr).toBe(0);
      expect(new Set(outcome.statuses)).toEqual(new Set(['pass']));
      expect(front.stats.cutByClient).toBeGreaterThan(0);
    }
  },
  WALL_BOUND_MS + SLOW_ANSWER_MS + 120_000,
);
