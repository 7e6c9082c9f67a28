import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { LoadSummarySchema, loadSummaryJsonSchema } from '../../scenarios/load/summary.js';
import { parseThreshold } from '../../scenarios/load/threshold.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-threshold-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test.each([
  ['p99<200ms', { metric: 'p99', operator: '<', limit: 200 }],
  ['p99.9 <= 1s', { metric: 'p99.9', operator: '<=', limit: 1000 }],
  ['p(95)<300', { metric: 'p95', operator: '<', limit: 300 }],
  ['max<=500us', { metric: 'max', operator: '<=', limit: 0.5 }],
  ['lost==0', { metric: 'lost', operator: '==', limit: 0 }],
  ['error_rate<1%', { metric: 'error_rate', operator: '<', limit: 0.01 }],
  ['error_rate<0.05', { metric: 'error_rate', operator: '<', limit: 0.05 }],
  ['throughput>=500', { metric: 'throughput', operator: '>=', limit: 500 }],
])('the threshold %s parses', (expression, expected) => {
  expect(parseThreshold(expression)).toEqual({ expression, ...expected });
});

test.each([
  ['p98<200ms', /unknown metric "p98" \(did you mean p90\?\)|unknown metric "p98" \(did you mean p99\?\)/],
  ['p99=200ms', /"=" is not an operator; use ==/],
  ['lost<2ms', /lost is a count: no unit/],
  ['p99<200min', /p99 is a latency: give ms, s or us/],
  ['error_rate<5', /error_rate 5 is more than 1; write a percentage as 5%/],
  ['p99 200ms', /expected a metric, an operator and a number/],
  ['twice<0.5', /twice is a count: give a whole number/],
])('the threshold %s is refused, naming the fix', (expression, message) => {
  expect(() => parseThreshold(expression)).toThrow(message);
  try {
    parseThreshold(expression);
  } catch (error) {
    expect(error).toMatchObject({ code: 'IPN_ERR_THRESHOLD_INVALID' });
    expect((error as { hint: string }).hint).toMatch(/metrics: p50, p90, p95, p99, p99\.9, max/);
  }
});

async function sound() {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'none' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`];
}
const common = ['--provider', 'stripe', '--secret', secret, '--seed', '4', '--events', '300', '--duplicates', '5%'];

test('a crossed threshold exits 99 and names the threshold and the value measured; the summary export says so', async () => {
  const endpoints = await sound();
  const dir = await tempDir();
  const summaryFile = join(dir, 'summary.json');
  const { io, captured } = fakeIo();
  const code = await main(
    [
      'load',
      ...endpoints,
      ...common,
      '--threshold',
      'p99<0.0001ms',
      '--threshold=lost==0',
      '--threshold',
      'p99<10min'.replace('min', 's'),
      '--summary-export',
      summaryFile,
    ],
    io,
  );
  expect(captured.err).toBe('');
  expect(code).toBe(99);
  expect(captured.out).toMatch(/PASS {2}correctness/);
  expect(captured.out).toMatch(/✗ threshold p99<0\.0001ms crossed: p99 was \d+(\.\d+)? ms/);
  expect(captured.out).toMatch(/✓ threshold lost==0 \(lost was 0\)/);
  expect(captured.out).toMatch(/✓ threshold p99<10s/);

  const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
  // Valid by the published JSON Schema as a non-TypeScript consumer reads it, and by the zod schema.
  const published = JSON.parse(
    await readFile(new URL('../../schemas/load-summary.schema.json', import.meta.url), 'utf8'),
  );
  expect(z.fromJSONSchema(published).safeParse(summary).success).toBe(true);
  expect(z.fromJSONSchema(published).safeParse({ ...summary, exitCode: 3 }).success).toBe(false);
  const parsed = LoadSummarySchema.parse(summary);
  expect(parsed.exitCode).toBe(99);
  expect(parsed.thresholds.map((t) => [t.expression, t.passed])).toEqual([
    ['p99<0.0001ms', false],
    ['lost==0', true],
    ['p99<10s', true],
  ]);
  expect(parsed.metrics.p99).toBe(parsed.thresholds[0]?.measured);
  expect(parsed.metrics.errors).toBe(0);
  expect(parsed.replay).toContain("--threshold 'p99<0.0001ms'");
}, 60_000);

test('thresholds that hold exit 0, and a failed check exits 1 whatever the thresholds', async () => {
  const endpoints = await sound();
  const passing = fakeIo();
  expect(await main(['load', ...endpoints, ...common, '--threshold', 'p99<60s'], passing.io)).toBe(0);

  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'applies-every-delivery' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const broken = fakeIo();
  const args = ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, ...common];
  expect(await main(['load', ...args, '--duplicates', '20%', '--threshold', 'p99<0.0001ms'], broken.io)).toBe(1);
  expect(broken.captured.out).toMatch(/✗ threshold p99<0\.0001ms crossed/);
}, 60_000);

test('the config file can set thresholds; a bad one there fails at start-up with the key named', async () => {
  const endpoints = await sound();
  const dir = await tempDir();
  const config = join(dir, 'ipn-gauntlet.config.json');
  await writeFile(config, JSON.stringify({ thresholds: ['max<0.0001ms'] }));
  const { io, captured } = fakeIo();
  expect(await main(['load', ...endpoints, ...common, '--config', config], io)).toBe(99);
  expect(captured.out).toMatch(/✗ threshold max<0\.0001ms crossed: max was/);

  await writeFile(config, JSON.stringify({ thresholds: ['p99<200ms', 'p98<1s'] }));
  const bad = fakeIo();
  expect(await main(['load', ...endpoints, ...common, '--config', config], bad.io)).toBe(2);
  expect(bad.captured.err).toMatch(
    /IPN_ERR_CONFIG_INVALID: [\s\S]*thresholds\.1: threshold "p98<1s": unknown metric "p98"/,
  );
  expect(bad.captured.out).not.toMatch(/delivering/);
});

test('a bad --threshold, or one on a probe metric without a probe, fails before anything is sent', async () => {
  const endpoints = await sound();
  const bad = fakeIo();
  expect(await main(['load', ...endpoints, ...common, '--threshold', 'p99<<200'], bad.io)).toBe(2);
  expect(bad.captured.err).toMatch(/^IPN_ERR_THRESHOLD_INVALID: threshold "p99<<200": expected a metric/);
  expect(bad.captured.out).toBe('');

  const blind = fakeIo();
  const noProbe = [endpoints[0] ?? '', endpoints[1] ?? '', ...common, '--threshold', 'lost==0'];
  expect(await main(['load', ...noProbe], blind.io)).toBe(2);
  expect(blind.captured.err).toMatch(
    /IPN_ERR_THRESHOLD_INVALID: threshold "lost==0": lost is measured through the probe/,
  );
});

test('the committed JSON Schema of the summary export is the one generated from its zod schema', async () => {
  // `npx vitest run test/scenarios/load-thresholds.test.ts -u` rewrites the file after a change to LoadSummarySchema.
  await expect(loadSummaryJsonSchema()).toMatchFileSnapshot('../../schemas/load-summary.schema.json');
});
