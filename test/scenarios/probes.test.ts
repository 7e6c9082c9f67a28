import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { scenarios as catalog } from '../../scenarios/catalog/index.js';
import { main } from '../../scenarios/cli/main.js';
import { runsIn } from '../../scenarios/define.js';
import { loadModuleProbe } from '../../scenarios/probes/module-probe.js';
import { createSqlProbe, type OpenProbe } from '../../scenarios/probes/sql-probe.js';
import type { ProbeCall, ScenarioRecord } from '../../scenarios/record/run-record.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { buildOwnSchemaReceiver, type OwnSchemaStore, ownSchemaProbe } from '../fixtures/own-schema-receiver.js';
import { postgresOwnSchema, sqliteOwnSchema } from '../fixtures/own-schema-receiver-stores.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { admin, postgresUrl, testSchema } from '../support/postgres.js';

/**
 * A receiver that serves no probe at all — its state is in its own tables, under its own column names, status words
 * and cents — runs the whole gauntlet through a SQL probe (the SQL a user writes) or a module probe (functions a user
 * writes), on SQLite and on PostgreSQL, and holds every guarantee.
 */
const stripe = providers.stripe;
const secret = stripe.secret.generate(new Uint8Array(32).fill(33));
const moduleFile = fileURLToPath(new URL('../fixtures/own-schema-receiver-probe.mjs', import.meta.url));

async function sqliteFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-own-schema-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'shop.db');
}

async function postgresSchemaUrl(): Promise<string> {
  const schema = await testSchema();
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.href;
}

/** Runs every scenario against the receiver on `store`, read through `probe`; returns the report and the records. */
async function gauntlet(store: OwnSchemaStore, probe: OpenProbe, runId: string) {
  const app = buildOwnSchemaReceiver({ provider: 'stripe', secret, store });
  onTestFinished(async () => {
    await probe.close();
    await app.close();
  });
  const base = await listenOnLoopback(app);
  const records: ScenarioRecord[] = [];
  const report = await runGauntlet({
    target: `${base}/webhooks/${stripe.route}`,
    probe: probe.name,
    probeClient: probe.client,
    provider: stripe,
    secret,
    seed: 11,
    runId,
    // Each scenario as in the catalog, its record kept for the test (its own judge, if any, still judges).
    scenarios: catalog.map((scenario) => ({
      ...scenario,
      judge: (record: ScenarioRecord) => {
        records.push(record);
        return scenario.judge?.(record) ?? [];
      },
    })),
    replayCommand: (g) => g,
  });
  return { report, records };
}

function expectEveryGuaranteeHeld(report: Awaited<ReturnType<typeof gauntlet>>['report']) {
  expect(report.results.map((r) => [r.guarantee, r.status, r.findings.map((f) => f.problem)])).toEqual(
    report.results.map((r) => [r.guarantee, 'pass', []]),
  );
  const applicable = catalog.filter((s) => runsIn(s, stripe));
  // Besides the scenarios: the baseline and the acknowledgement-latency verdicts.
  expect(report.results).toHaveLength(applicable.length + 2);
}

/** The run log has the probe's calls as the HTTP probe's: a create and reads of each order, with what they returned. */
function expectProbeCallsLogged(records: readonly ScenarioRecord[]) {
  const calls: ProbeCall[] = records.flatMap((r) => r.probeCalls);
  const orderId = records[0]?.orders[0]?.orderId ?? '';
  expect(orderId).not.toBe('');
  const created = calls.find((c) => c.method === 'PUT' && c.path === `/orders/${orderId}`);
  expect(created).toMatchObject({ status: 200 });
  const read = calls.find((c) => c.method === 'GET' && c.path === `/orders/${orderId}` && c.status === 200);
  expect(JSON.parse(read?.detail ?? '{}')).toMatchObject({ orderId, currency: expect.stringMatching(/^[A-Z]{3}$/) });
  expect(calls.some((c) => c.method === 'GET' && c.path === '/health' && c.status === 200)).toBe(true);
}

test('a receiver keeping orders in its own SQLite tables holds every guarantee through a SQL probe', async () => {
  const file = await sqliteFile();
  const store = sqliteOwnSchema(file);
  const probe = createSqlProbe(ownSchemaProbe(`sqlite:${file}`), { baseDir: tmpdir() });
  expect(probe.name).toBe(`sql:sqlite:${file}`);
  const { report, records } = await gauntlet(store, probe, 'sqlsl');
  expectEveryGuaranteeHeld(report);
  expect(report.probe).toBe(`sql:sqlite:${file}`);
  expectProbeCallsLogged(records);
}, 180_000);

test('a receiver keeping orders in its own PostgreSQL tables holds every guarantee through a SQL probe', async () => {
  const url = await postgresSchemaUrl();
  const store = await postgresOwnSchema(url);
  const probe = createSqlProbe(ownSchemaProbe(url), { baseDir: tmpdir() });
  const { report, records } = await gauntlet(store, probe, 'sqlpg');
  expectEveryGuaranteeHeld(report);
  expectProbeCallsLogged(records);
}, 180_000);

test('the same receiver holds every guarantee through a module probe, on SQLite and on PostgreSQL', async () => {
  for (const [backend, where] of [
    ['sqlite', await sqliteFile()],
    ['postgres', await postgresSchemaUrl()],
  ] as const) {
    const store = backend === 'sqlite' ? sqliteOwnSchema(where) : await postgresOwnSchema(where);
    process.env.OWN_SCHEMA_DATABASE = where;
    const probe = await loadModuleProbe(moduleFile);
    expect(probe.name).toBe(`module:${moduleFile}`);
    const { report, records } = await gauntlet(store, probe, `mod${backend.slice(0, 2)}`);
    expectEveryGuaranteeHeld(report);
    expectProbeCallsLogged(records);
  }
}, 360_000);

test('from the command line: run --probe-sql probe.json holds every guarantee, and a read SQL missing a column stops at start-up naming it', async () => {
  const file = await sqliteFile();
  const app = buildOwnSchemaReceiver({ provider: 'stripe', secret, store: sqliteOwnSchema(file) });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const dir = dirname(file);
  const settings = ownSchemaProbe('sqlite:shop.db');
  await writeFile(join(dir, 'probe.json'), JSON.stringify(settings));
  const args = ['run', '--target', `${base}/webhooks/stripe`, '--provider', 'stripe', '--seed', '4'];
  const good = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  expect(await main([...args, '--probe-sql', join(dir, 'probe.json')], good.io)).toBe(0);
  expect(good.captured.err).toBe('');
  expect(good.captured.out).toMatch(/(\d+) of \1 guarantees held/);

  const withoutRefunds = {
    ...settings,
    read: settings.read.replace(/,\s*\(SELECT COUNT\(\*\) FROM refund_records[^)]*\) AS refunds/, ''),
  };
  expect(withoutRefunds.read).not.toContain('AS refunds');
  await writeFile(join(dir, 'broken.json'), JSON.stringify(withoutRefunds));
  const bad = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  expect(await main([...args, '--probe-sql', join(dir, 'broken.json')], bad.io)).toBe(2);
  expect(bad.captured.err).toMatch(/IPN_ERR_PROBE_INVALID: .*refunds/);
}, 120_000);
