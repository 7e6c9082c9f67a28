/**
 * The receiver's own vitest suite, written as a user of ipn-gauntlet would: the package's public entries only.
 * Every guarantee that applies to Stripe becomes one test below; a broken one fails with its evidence and a replay
 * command.
 */
import type { FastifyInstance } from 'fastify';
import { gauntlet, providers } from 'ipn-gauntlet';
import { describeGuarantees } from 'ipn-gauntlet/vitest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildUserReceiver, type UserReceiverOptions } from './receiver.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(11));
const apps: FastifyInstance[] = [];

async function listen(options: UserReceiverOptions): Promise<string> {
  const app = buildUserReceiver(options);
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return `http://127.0.0.1:${address.port}`;
}

let base = '';
beforeAll(async () => {
  base = await listen({ secret });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

const suite = describeGuarantees({
  target: () => `${base}/webhooks/stripe`,
  probe: () => `${base}/ipn-probe`,
  provider: 'stripe',
  secret,
  seed: 7,
});

test('the suite above checks the guarantees that matter for Stripe', () => {
  expect(suite.guarantees).toEqual(expect.arrayContaining(['auth.forged-rejected', 'idem.concurrent']));
  expect(suite.report().results.map((r) => r.guarantee)).toEqual(suite.guarantees);
});

test('the same gauntlet catches the receiver when it skips the signature check', async () => {
  const flawed = await listen({ secret, flaw: 'skips-signature-check' });
  const report = await gauntlet.run({
    target: `${flawed}/webhooks/stripe`,
    probe: `${flawed}/ipn-probe`,
    provider: providers.stripe,
    secret,
    seed: 7,
    runId: 'flawed',
    only: ['auth.forged-rejected', 'idem.sequential'],
    replayCommand: (guarantee) => `npx ipn-gauntlet run … --seed 7 --only ${guarantee}`,
  });
  const status = Object.fromEntries(report.results.map((r) => [r.guarantee, r.status]));
  expect(status).toEqual({ 'auth.forged-rejected': 'fail', 'idem.sequential': 'pass' });
  const forged = report.results.find((r) => r.guarantee === 'auth.forged-rejected');
  expect(forged?.findings.length).toBeGreaterThan(0);
  expect(forged?.replay).toContain('--only auth.forged-rejected');
}, 60_000);
