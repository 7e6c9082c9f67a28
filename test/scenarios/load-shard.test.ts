import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { main } from '../../scenarios/cli/main.js';
import { createLoadPlan } from '../../scenarios/load/plan.js';
import { type LoadReport, LoadReportSchema } from '../../scenarios/load/report.js';
import { parseShard, shardSource } from '../../scenarios/load/shard.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-shard-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const planOptions = {
  provider: providers.stripe,
  secret,
  seed: 21,
  runId: 'shard',
  orders: Number.MAX_SAFE_INTEGER,
  events: 600,
  duplicatePercent: 20,
  forgedPercent: 10,
  clock: () => Date.UTC(2026, 0, 1),
};

/** Every delivery a source gives, as "delivery id event kind". */
function drain(shard: { index: number; count: number } | null): { key: string; order: number }[] {
  const plan = createLoadPlan(planOptions);
  const source = shardSource(plan.deliveries(), plan.table, shard, planOptions.events);
  const out: { key: string; order: number }[] = [];
  for (let planned = source.next(); planned !== null; planned = source.next()) {
    out.push({
      key: `${planned.delivery.id} ${planned.event} ${planned.kind}`,
      order: plan.table.orderOf(planned.event),
    });
  }
  return out;
}

test('the shards of a plan are disjoint, keep each order whole and together are the unsharded plan', () => {
  const whole = drain(null);
  const shards = [1, 2, 3].map((index) => drain({ index, count: 3 }));
  expect(whole).toHaveLength(600);
  expect(whole.some((d) => d.key.endsWith(' 1'))).toBe(true);
  const union = shards.flat().map((d) => d.key);
  expect(new Set(union).size).toBe(union.length);
  expect([...union].sort()).toEqual(whole.map((d) => d.key).sort());
  for (const [i, shard] of shards.entries()) {
    expect(shard.length).toBeGreaterThan(100);
    const others = shards.filter((_, j) => j !== i).flatMap((s) => s.map((d) => d.order));
    for (const { order } of shard) expect(others).not.toContain(order);
  }
});

test('--shard refuses what is not i/n with 1 <= i <= n', () => {
  expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
  for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) {
    expect(() => parseShard(bad)).toThrow(/--shard must look like 2\/4/);
  }
});

async function loadRun(base: string, extra: readonly string[], dir: string, name: string) {
  const json = join(dir, `${name}.json`);
  const { io, captured } = fakeIo();
  const code = await main(
    [
      'load',
      '--target',
      `${base}/webhooks/stripe`,
      '--probe',
      `${base}/ipn-probe`,
      '--provider',
      'stripe',
      '--secret',
      secret,
      '--events',
      '600',
      '--concurrency',
      '12',
      ...extra,
      '--json',
      json,
    ],
    io,
  );
  expect(captured.err).toBe('');
  return { code, json, report: LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8'))) };
}

async function merge(files: readonly string[], dir: string) {
  const json = join(dir, 'merged.json');
  const { io, captured } = fakeIo();
  const code = await main(['load', 'merge', ...files, '--json', json], io);
  const report = captured.err === '' ? LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8'))) : null;
  return { code, report, captured };
}

const verdict = (report: LoadReport) => ({
  status: report.check.status,
  sent: report.deliveries.sent,
  genuine: report.deliveries.genuine,
  duplicates: report.deliveries.duplicates,
  forged: report.deliveries.forged,
  lost: report.check.lost.count,
  twice: report.check.appliedTwice.count,
  forgedAccepted: report.check.forgedAccepted.count,
  amountMismatch: report.check.amountMismatch.count,
  unexplained: report.check.unexplained.count,
  ordersChecked: report.check.ordersChecked,
  latencyCount: report.latencyMs.count,
});

/** One unsharded run and three shards merged, on the same seed, each with its own run id. */
async function unshardedAndMerged(base: string, extra: readonly string[]) {
  const dir = await tempDir();
  const seed = ['--seed', '21', ...extra];
  const whole = await loadRun(base, [...seed, '--run-id', 'whole'], dir, 'whole');
  const shards = [];
  for (const index of [1, 2, 3]) {
    shards.push(await loadRun(base, [...seed, '--run-id', 'parts', '--shard', `${index}/3`], dir, `shard-${index}`));
  }
  const merged = await merge(
    shards.map((s) => s.json),
    dir,
  );
  return { whole, shards, merged, dir };
}

test('three shards merged give the verdict of one unsharded run, against the reference receiver', async () => {
  const dir = await tempDir();
  const app = await buildReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'receiver.db'), ...testProbe });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const { whole, shards, merged } = await unshardedAndMerged(base, ['--duplicates', '5%', '--forged', '2%']);
  expect(whole.code).toBe(0);
  expect(shards.map((s) => s.report.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
  expect(merged.code).toBe(0);
  expect(merged.report?.mergedShards).toBe(3);
  expect(verdict(merged.report as LoadReport)).toEqual(verdict(whole.report));
  expect(merged.captured.out).toMatch(/PASS {2}correctness/);
  expect(merged.captured.out).toContain('(3 shards merged)');
}, 120_000);

test.each([
  ['applies-every-delivery', ['--duplicates', '20%'], 'twice'],
  ['no-verification', ['--forged', '10%'], 'forgedAccepted'],
] as const)(
  'three shards merged give the verdict of one unsharded run against a receiver whose flaw is %s',
  async (flaw, extra, problem) => {
    const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
    const base = await listenOnLoopback(app);
    cleanups.push(() => app.close());
    const { whole, merged, shards } = await unshardedAndMerged(base, extra);
    expect(whole.code).toBe(1);
    expect(merged.code).toBe(1);
    const mergedVerdict = verdict(merged.report as LoadReport);
    expect(mergedVerdict[problem]).toBeGreaterThan(0);
    expect(mergedVerdict).toEqual(verdict(whole.report));
    // Each shard alone found only its part.
    for (const shard of shards) expect(verdict(shard.report)[problem]).toBeLessThan(mergedVerdict[problem]);
  },
  120_000,
);

test('load merge refuses shards of different seeds, a missing shard, a shard given twice and a run without --shard', async () => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'none' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const dir = await tempDir();
  const small = ['--events', '120', '--run-id', 'm'];
  const one = await loadRun(base, ['--seed', '5', ...small, '--shard', '1/3'], dir, 'one');
  const two = await loadRun(base, ['--seed', '5', ...small, '--shard', '2/3'], dir, 'two');
  const three = await loadRun(base, ['--seed', '5', ...small, '--shard', '3/3'], dir, 'three');
  const otherSeed = await loadRun(base, ['--seed', '6', ...small, '--shard', '3/3'], dir, 'other');
  const unsharded = await loadRun(base, ['--seed', '5', ...small], dir, 'plain');
  const edited = join(dir, 'edited.json');
  const cut = {
    ...two.report,
    record: { ...two.report.record, deliveries: { ...two.report.record?.deliveries, kind: '' } },
  };
  await writeFile(edited, JSON.stringify(cut));

  const cases: [string[], RegExp][] = [
    [[one.json, two.json, otherSeed.json], /are shards of different plans \(seed 6 vs 5\)/],
    [[one.json, two.json], /shard 3\/3 missing/],
    [[one.json, one.json, two.json, three.json], /shard 1\/3 is given twice/],
    [[one.json, unsharded.json], /is the report of a run without --shard/],
    [[one.json, edited, three.json], /record does not hold its \d+ deliveries/],
  ];
  expect((await merge([one.json, two.json, three.json], dir)).code).toBe(0);
  for (const [files, message] of cases) {
    const { code, captured } = await merge(files, dir);
    expect(code).toBe(2);
    expect(captured.err).toMatch(/^IPN_ERR_LOAD_SHARDS: load merge: /);
    expect(captured.err).toMatch(message);
  }
}, 60_000);
