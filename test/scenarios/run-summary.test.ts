import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { z } from 'zod';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { RunSummarySchema, runSummaryJsonSchema } from '../../scenarios/report/run-summary.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(21));

test('the committed JSON Schema of the run summary is the one generated from its zod schema', async () => {
  await expect(runSummaryJsonSchema()).toMatchFileSnapshot('../../schemas/run-summary.schema.json');
});

test('run --summary-export writes each verdict with its reason codes and replay, valid by the published schema', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-run-summary-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-verification' });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const file = join(dir, 'summary.json');
  const { io } = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 17);
  const args = ['run', '--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const code = await main([...args, '--only', 'auth.forged-rejected,idem.sequential', '--summary-export', file], io);
  expect(code).toBe(1);
  const written: unknown = JSON.parse(await readFile(file, 'utf8'));
  // Valid as a consumer without TypeScript reads it (the committed JSON Schema), and by the zod schema.
  const published = z.fromJSONSchema(
    JSON.parse(await readFile(new URL('../../schemas/run-summary.schema.json', import.meta.url), 'utf8')),
  );
  expect(published.safeParse(written).success).toBe(true);
  const summary = RunSummarySchema.parse(written);
  expect(summary).toMatchObject({ command: 'run', exitCode: 1 });
  const [run] = summary.runs;
  expect(run?.counts.fail).toBe(1);
  const forged = run?.guarantees.find((g) => g.id === 'auth.forged-rejected');
  expect(forged).toMatchObject({ status: 'fail', reasons: expect.arrayContaining(['answer.accepted-forged']) });
  expect(forged?.replay).toContain('--only auth.forged-rejected');
  expect(run?.guarantees.find((g) => g.id === 'idem.sequential')?.status).toBe('pass');
  expect(JSON.stringify(summary)).not.toContain(secret);
});

test('run --max-failures N stops after N broken guarantees and reports the rest as not run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-max-failures-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'no-verification' });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const args = ['run', '--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const only = ['--only', 'auth.forged-rejected,idem.sequential'];
  const file = join(dir, 'summary.json');
  const stopped = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 17);
  expect(await main([...args, ...only, '--max-failures', '1', '--summary-export', file], stopped.io)).toBe(1);
  expect(stopped.captured.out).toMatch(/FAIL +auth\.forged-rejected/);
  expect(stopped.captured.out).toMatch(/UNKNOWN +idem\.sequential/);
  const summary = RunSummarySchema.parse(JSON.parse(await readFile(file, 'utf8')));
  expect(summary.runs[0]?.guarantees.find((g) => g.id === 'idem.sequential')).toMatchObject({
    status: 'unknown',
    reason: 'not run: 1 guarantees broke (--max-failures 1)',
    deliveries: 0,
  });
  // Without it, the same run plays idem.sequential (which holds).
  const whole = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 17);
  expect(await main([...args, ...only], whole.io)).toBe(1);
  expect(whole.captured.out).toMatch(/PASS +idem\.sequential/);
  const bad = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 17);
  expect(await main([...args, '--max-failures', '0'], bad.io)).toBe(2);
  expect(bad.captured.err).toMatch(/--max-failures must be a whole number from 1/);
});
