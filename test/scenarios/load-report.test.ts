import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { toOrderView } from '../../contracts/lifecycle.js';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { liveOutput, loadProgressLine } from '../../scenarios/load/console.js';
import { EventTable } from '../../scenarios/load/event-table.js';
import { LoadHistory } from '../../scenarios/load/history.js';
import { niceTicks } from '../../scenarios/load/html.js';
import { deliveryFacts, judgeOrder } from '../../scenarios/load/judge.js';
import { LatencyRecorder } from '../../scenarios/load/latency.js';
import { GENUINE } from '../../scenarios/load/plan.js';
import { LoadReportSchema } from '../../scenarios/load/report.js';
import { etaSeconds } from '../../scenarios/load/run-load.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

test('a receiver that skips the amount check is counted as amount mismatch, not as applied twice', async () => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-amount-check' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const dir = await mkdtemp(join(tmpdir(), 'ipn-load-report-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'load.json');
  const html = join(dir, 'load.html');
  const { io, captured } = fakeIo();
  const args = ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const code = await main(
    ['load', ...args, '--secret', secret, '--seed', '3', '--events', '500', '--json', json, '--html', html],
    io,
  );
  expect(code).toBe(1);
  const report = LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.check.amountMismatch.count).toBeGreaterThan(0);
  expect(report.check).toMatchObject({ appliedTwice: { count: 0 }, lost: { count: 0 }, unexplained: { count: 0 } });
  expect(captured.out).toMatch(/amount mismatch \(fulfilled although the amount or currency differ\):/);
  // Orders created vs checked, explained; the plan's events beside the deliveries sent.
  expect(report.check.ordersCreated).toBeGreaterThanOrEqual(report.check.ordersChecked);
  expect(captured.out).toMatch(
    /orders created through the probe, [\d,]+ checked \(every order an event was sent for\)/,
  );
  expect(captured.out).toMatch(/ {2}sent {7}500 events once/);
  // The replay command, in the console and the HTML report, sends the same plan again.
  expect(report.replay).toMatch(/^npx ipn-gauntlet load --target \S+ --probe \S+ --provider stripe --events 500 /);
  expect(report.replay).toContain('--secret "$IPN_GAUNTLET_SECRET" --seed 3 --run-id ');
  expect(report.replay).not.toContain(secret);
  const page = await readFile(html, 'utf8');
  expect(page).toContain('<pre class="replay">npx ipn-gauntlet load --target');
  expect(page).toMatch(/amount mismatch: order /);
});

/** One order (pending, then succeeded) whose two events were acknowledged at the given times, ms. */
function twoEventOrder(pendingAckMs: number, succeededAckMs: number) {
  const table = new EventTable();
  const terms = { orderId: 'ord_1', amountMinor: 1000, currency: 'USD' };
  const fact = (eventId: string, kind: 'pending' | 'succeeded', occurredAt: number) => ({
    eventId,
    orderId: 'ord_1',
    kind,
    amountMinor: 1000,
    currency: 'USD',
    occurredAt,
  });
  table.addOrder(terms, [fact('evt_pending', 'pending', 100), fact('evt_paid', 'succeeded', 200)]);
  const history = new LoadHistory();
  history.answered(history.sent(0, GENUINE, 0), 200, pendingAckMs * 1000);
  history.answered(history.sent(1, GENUINE, 0), 200, succeededAckMs * 1000);
  const pendingOnly = toOrderView({
    orderId: 'ord_1',
    status: 'pending',
    currency: 'USD',
    amountPaidMinor: 0,
    amountRefundedMinor: 0,
    fulfillments: 0,
    refunds: 0,
  });
  return { facts: deliveryFacts(table, history, []), table, pendingOnly };
}

test('an acknowledged event not applied is lost when it arrived in order, out of order when it came first', () => {
  const inOrder = twoEventOrder(5, 9);
  expect(judgeOrder(inOrder.table, 0, inOrder.facts, inOrder.pendingOnly)).toMatchObject({
    kind: 'lost',
    events: [{ eventId: 'evt_paid', kind: 'succeeded' }],
  });
  const early = twoEventOrder(9, 5);
  const verdict = judgeOrder(early.table, 0, early.facts, early.pendingOnly);
  expect(verdict).toMatchObject({ kind: 'outOfOrder' });
  expect(verdict.kind === 'outOfOrder' && verdict.problem.problem).toMatch(
    /^evt_paid \(succeeded\) was acknowledged before evt_pending, which it follows: status is pending, expected paid/,
  );
});

test('percentiles never exceed the maximum recorded (HDR buckets round up)', () => {
  const latency = new LatencyRecorder();
  latency.record(10, 100_001);
  const { p999, p99, max } = latency.summary();
  expect(max).toBe(100.001);
  expect(p999).toBeLessThanOrEqual(max);
  expect(p99).toBeLessThanOrEqual(max);
});

test('axis ticks are steps of 1, 2 or 5 times a power of ten, up to at least the maximum', () => {
  expect(niceTicks(156)).toEqual([0, 50, 100, 150, 200]);
  expect(niceTicks(37.8)).toEqual([0, 10, 20, 30, 40]);
  expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
});

test('the progress line shows the total and an ETA, and is cleared before the next line and at the end', () => {
  const line = loadProgressLine({
    elapsedMs: 2_000,
    sent: 2_500,
    total: 10_000,
    etaSeconds: etaSeconds(2_500, 10_000, 1_250, null, 2_000),
    inFlight: 16,
    ratePerSecond: 1_250,
    p50: 3,
    p99: 12,
  });
  expect(line).toMatch(/^2\.0s {2}2,500\/10,000 sent \(25%\) {2}ETA 6s {2}1,250\/s/);
  expect(etaSeconds(0, null, 100, 30_000, 12_000)).toBe(18);

  let screen = '';
  const out = liveOutput((text) => {
    screen += text;
  }, true);
  out.progress('1.0s  10 sent');
  out.line('  checking…');
  out.progress('2.0s  20 sent');
  out.end();
  expect(screen).toBe('\r\u001b[2K1.0s  10 sent\r\u001b[2K  checking…\n\r\u001b[2K2.0s  20 sent\r\u001b[2K');
});
