import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { main } from '../../scenarios/cli/main.js';
import { LoadReportSchema } from '../../scenarios/load/report.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { buildLossyReceiver } from '../fixtures/lossy-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-load-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const endpoints = (base: string) => ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`];
const common = ['--provider', 'stripe', '--secret', secret, '--seed', '11', '--duplicates', '5%', '--forged', '2%'];

test('load exits 1 and names the lost events when a receiver drops 1 in 1,000 acknowledged events', async () => {
  const lossy = buildLossyReceiver({ provider: 'stripe', secret, dropEvery: 1_000 });
  const base = await listenOnLoopback(lossy.app);
  cleanups.push(() => lossy.app.close());
  const json = join(await tempDir(), 'load.json');
  const { io, captured } = fakeIo();
  const code = await main(
    ['load', ...endpoints(base), ...common, '--events', '3000', '--concurrency', '16', '--json', json],
    io,
  );
  expect(captured.err).toBe('');
  expect(lossy.dropped.length).toBeGreaterThanOrEqual(2);
  expect(code).toBe(1);
  const report = LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  // Every dropped event whose loss changes its order's state is named; dropping e.g. a `pending` after the
  // `succeeded` of the same order changes nothing the probe can show.
  const named = report.check.lost.events.map((e) => e.eventId);
  expect(named.length).toBeGreaterThan(0);
  expect(lossy.dropped).toEqual(expect.arrayContaining(named));
  for (const id of named) expect(captured.out).toContain(id);
  expect(report.check).toMatchObject({ status: 'fail', appliedTwice: { count: 0 }, forgedAccepted: { count: 0 } });
  expect(report.deliveries.forged).toBeGreaterThan(0);
  expect(report.deliveries.duplicates).toBeGreaterThan(0);
}, 90_000);

test('load exits 0 against the same receiver when it drops nothing, in the open model', async () => {
  const sound = buildLossyReceiver({ provider: 'stripe', secret, dropEvery: 0 });
  const base = await listenOnLoopback(sound.app);
  cleanups.push(() => sound.app.close());
  const html = join(await tempDir(), 'load.html');
  const { io, captured } = fakeIo();
  const code = await main(
    ['load', ...endpoints(base), ...common, '--rate', '1500/s', '--duration', '2s', '--html', html],
    io,
  );
  expect(captured.err).toBe('');
  expect(captured.out).toMatch(
    /PASS {2}correctness: 0 lost, 0 applied twice, 0 amount mismatch, 0 out of order, 0 forged accepted/,
  );
  expect(captured.out).toMatch(/backlog/);
  expect(code).toBe(0);
  const page = await readFile(html, 'utf8');
  expect(page).toContain('<svg');
  expect(page).not.toMatch(/<(script|link)\b|src="http/);
});

test('load exits 0 against the reference receiver, with duplicates and forgeries', async () => {
  const dir = await tempDir();
  const app = await buildReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'receiver.db'), ...testProbe });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const json = join(dir, 'load.json');
  const { io, captured } = fakeIo();
  const code = await main(
    ['load', ...endpoints(base), ...common, '--events', '1000', '--concurrency', '16', '--json', json],
    io,
  );
  expect(captured.err).toBe('');
  expect(code).toBe(0);
  const report = LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.deliveries.sent).toBe(1000);
  expect(report.check.status).toBe('pass');
  expect(report.check.ordersChecked).toBeGreaterThan(300);
  expect(report.deliveries.refused).toBe(report.deliveries.forged);
}, 90_000);

test('load refuses --rate together with --concurrency', async () => {
  const { io, captured } = fakeIo();
  const code = await main(
    [
      'load',
      '--target',
      'http://127.0.0.1:1/w',
      '--provider',
      'stripe',
      '--secret',
      secret,
      '--rate',
      '10',
      '--concurrency',
      '2',
    ],
    io,
  );
  expect(code).toBe(2);
  expect(captured.err).toMatch(/IPN_ERR_USAGE: load: give --rate .* or --concurrency/);
});

test.each([
  ['applies-every-delivery', ['--duplicates', '20%'], 'appliedTwice'],
  ['no-verification', ['--forged', '10%'], 'forgedAccepted'],
] as const)('load exits 1 against a receiver whose flaw is %s', async (flaw, extra, problem) => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const json = join(await tempDir(), 'load.json');
  const { io } = fakeIo();
  const args = ['--provider', 'stripe', '--secret', secret, '--seed', '3', '--events', '600', ...extra];
  const code = await main(['load', ...endpoints(base), ...args, '--json', json], io);
  expect(code).toBe(1);
  const report = LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.check[problem].count).toBeGreaterThan(0);
  expect(report.check.lost.count).toBe(0);
});

test('load --verbose logs a line pair per delivery: the event, its fault, the answer status', async () => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'none' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const quiet = fakeIo();
  const args = ['load', ...endpoints(base), ...common, '--forged', '20%', '--events', '60', '--concurrency', '4'];
  expect(await main(args, quiet.io)).toBe(0);
  expect(quiet.captured.out).not.toContain('--> evt_');
  const loud = fakeIo();
  expect(await main([...args, '--verbose'], loud.io)).toBe(0);
  const sent = loud.captured.out.match(/^--> evt_\w+ \S+/gm) ?? [];
  expect(sent).toHaveLength(60);
  expect(loud.captured.out.match(/^<-- \[200\] \d+ms/gm)?.length).toBeGreaterThan(40);
  // The forgeries (20%) are logged with their fault and the receiver's refusal.
  expect(loud.captured.out).toMatch(/^--> evt_\w+ \S+ \[forged: [^\]]+\]\n<-- \[4\d\d\]/m);
}, 60_000);
