import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { failures, runAgainstFlaw } from '../support/flawed-run.js';
import { listenOnLoopback } from '../support/listen.js';

test('a receiver that answers every delivery after 40 s is named by liveness.ack-latency in under two minutes', async () => {
  const started = performance.now();
  const report = await runAgainstFlaw('stripe', 'slow-ack', { receiver: { ackDelayMs: 40_000 } });
  const elapsedMs = performance.now() - started;
  expect(failures(report)).toEqual({ 'liveness.ack-latency': 'latency.over-timeout' });
  const liveness = report.results.find((v) => v.guarantee === 'liveness.ack-latency');
  expect(liveness?.findings[0]?.problem).toMatch(/not answered within the gateway's 10 s timeout/);
  // Every other guarantee is not judged, and says why, instead of failing on timeouts.
  const others = report.results.filter((v) => v.guarantee !== 'liveness.ack-latency');
  expect(others.length).toBeGreaterThan(5);
  for (const verdict of others) {
    expect({ g: verdict.guarantee, status: verdict.status }).toEqual({ g: verdict.guarantee, status: 'unknown' });
    expect(verdict.reason).toMatch(/answered a genuine event after 4\d\.\d s, later than the gateway waits \(10 s\)/);
  }
  expect(elapsedMs).toBeLessThan(120_000);
}, 150_000);

test('a receiver slower than Paddle’s 5 s timeout is named by liveness.ack-latency after the canary alone', async () => {
  // Paddle waits 5 s: a receiver answering after 6 s misses every time; the canary sees it at once.
  const report = await runAgainstFlaw('paddle', 'slow-ack', { receiver: { ackDelayMs: 6_000 } });
  expect(failures(report)).toEqual({ 'liveness.ack-latency': 'latency.over-timeout' });
  expect(report.results.filter((v) => v.status === 'pass')).toEqual([]);
}, 60_000);

test('a receiver killed by a malformed request fails robust.bad-input with that request, and every report is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-dying-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(2));
  const deaths: string[] = [];
  const app = buildFlawedReceiver({
    provider: 'stripe',
    secret,
    flaw: 'dies-on-malformed-body',
    onDeath: (death) => deaths.push(death.reason),
  });
  const base = await listenOnLoopback(app);
  onTestFinished(() => app.close());
  const files = { json: join(dir, 'r.json'), junit: join(dir, 'r.xml'), html: join(dir, 'r.html') };
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const code = await main(
    [
      'run',
      ...['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'],
      ...['--seed', '4', '--json', files.json, '--junit', files.junit, '--html', files.html],
    ],
    io,
  );
  expect(captured.err).toBe('');
  expect(code).toBe(1);
  expect(deaths.length).toBeGreaterThan(0);
  for (const file of Object.values(files)) await access(file);
  const report = RunReportSchema.parse(JSON.parse(await readFile(files.json, 'utf8')));
  const bad = report.results.find((v) => v.guarantee === 'robust.bad-input');
  expect(bad?.status).toBe('fail');
  const death = bad?.findings.find((f) => f.reason === 'health.down');
  expect(death?.problem).toMatch(/the last delivery it answered was dlv_\d+ \(malformed: /);
  expect(captured.out).toMatch(/FAIL +robust\.bad-input/);
  expect(await readFile(files.junit, 'utf8')).toContain('type="robust.bad-input"');
}, 60_000);
