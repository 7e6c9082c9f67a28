import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { scenarios } from '../../scenarios/catalog/index.js';
import { runsIn } from '../../scenarios/define.js';
import { runGauntlet } from '../../scenarios/runner.js';
import {
  applicableGuarantees,
  describeGuarantees,
  verdictDiff,
  verdictFailure,
  verdictUnknown,
} from '../../scenarios/vitest/index.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(6));
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function forgedRun(flaw: Flaw | 'none') {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  apps.push(app);
  const base = await listenOnLoopback(app);
  return runGauntlet({
    target: `${base}/webhooks/stripe`,
    probe: `${base}/ipn-probe`,
    provider: providers.stripe,
    secret,
    seed: 5,
    runId: flaw === 'none' ? 'vtok' : 'vtbad',
    only: ['auth.forged-rejected'],
    replayCommand: (g) => `npx ipn-gauntlet run --seed 5 --only ${g}`,
  });
}

test('a broken guarantee becomes a failure message with its evidence and the replay command', async () => {
  const message = verdictFailure(await forgedRun('no-verification'), 'auth.forged-rejected');
  expect(message).toContain('✘ auth.forged-rejected (stripe, seed 5)');
  expect(message).toMatch(/was accepted with 2\d\d/);
  expect(message).toContain('replay: npx ipn-gauntlet run --seed 5 --only auth.forged-rejected');
});

test('a broken guarantee carries actual and expected, so vitest prints a diff of what the receiver did', async () => {
  const report = await forgedRun('no-verification');
  const diff = verdictDiff(report, 'auth.forged-rejected');
  const accepted = Object.entries(diff?.actual ?? {}).filter(([, status]) => status === 200);
  expect(accepted.length).toBeGreaterThan(0);
  for (const [delivery] of accepted) expect(diff?.expected[delivery]).toBe('non-2xx, nothing changed');
  // Orders the forgeries changed: the fields that differ, as the probe showed them and as the rule says.
  const orders = Object.keys(diff?.actual ?? {}).filter((key) => key.startsWith('ord_'));
  expect(orders.length).toBeGreaterThan(0);
  for (const key of orders) {
    expect(Object.keys(diff?.actual[key] as object)).toEqual(Object.keys(diff?.expected[key] as object));
    expect(diff?.actual[key]).not.toEqual(diff?.expected[key]);
  }
  expect(verdictDiff(await forgedRun('none'), 'auth.forged-rejected')).toBeNull();
});

test('a held guarantee passes; a missing verdict or run fails with a message that says so', async () => {
  const report = await forgedRun('none');
  expect(verdictFailure(report, 'auth.forged-rejected')).toBeNull();
  expect(verdictFailure(report, 'idem.sequential')).toContain('no verdict for idem.sequential');
  expect(verdictFailure(undefined, 'idem.sequential')).toContain('did not run');
});

test('a guarantee the run could not judge is not a failure: its test is skipped with the reason', async () => {
  // A receiver that accepts every forgery: auth.forged-rejected fails, and the replay window it builds on is unknown.
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'accepts-forgeries-silently' });
  apps.push(app);
  const base = await listenOnLoopback(app);
  const report = await runGauntlet({
    target: `${base}/webhooks/stripe`,
    probe: `${base}/ipn-probe`,
    provider: providers.stripe,
    secret,
    seed: 5,
    runId: 'vtunk',
    only: ['auth.forged-rejected', 'auth.replay-window'],
    replayCommand: (g) => g,
  });
  expect(verdictFailure(report, 'auth.forged-rejected')).toContain('was accepted with 200');
  expect(verdictFailure(report, 'auth.replay-window')).toBeNull();
  expect(verdictUnknown(report, 'auth.replay-window')).toMatch(/^not judged: .*auth\.forged-rejected failed/);
  expect(verdictUnknown(report, 'auth.forged-rejected')).toBeNull();
});

test('the guarantees that become tests are the ones a run checks without a receiver process', () => {
  const runnable = scenarios.filter((s) => runsIn(s, providers.stripe));
  expect(applicableGuarantees(providers.stripe)).toEqual([
    'baseline.applied',
    ...new Set(runnable.map((s) => s.guarantee)),
    'liveness.ack-latency',
  ]);
  expect(applicableGuarantees(providers.stripe)).not.toContain('consistency.no-loss');
  expect(applicableGuarantees(providers.stripe, ['idem.sequential', 'auth.forged-rejected'])).toEqual([
    'auth.forged-rejected',
    'idem.sequential',
  ]);
});

test('describeGuarantees refuses a guarantee that no test could check, before registering anything', () => {
  const options = {
    target: 'http://127.0.0.1:1/w',
    probe: 'http://127.0.0.1:1/p',
    provider: 'stripe',
    secret,
  } as const;
  expect(() => describeGuarantees({ ...options, only: ['consistency.no-loss'] })).toThrow(
    /no scenario checks consistency\.no-loss for stripe/,
  );
});
