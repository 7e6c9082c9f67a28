import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

/** `run --verbose`: a `--> event` / `<-- [status] ms body` pair per delivery attempt, as `stripe listen` prints. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(8));

async function stripeReceiver(flaw: Flaw | 'none'): Promise<string[]> {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
}

const logPairs = (out: string) => [
  ...out.matchAll(/^--> (\S+) (\S+)(?: \[([^\]]+)\])?(?: \(attempt \d+\))?\n<-- \[(\d+|no answer)\] (\d+)ms (.*)$/gm),
];

test('--verbose logs each attempt with its fault and answer, so a forgery answered 200 shows as such', async () => {
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('no-verification')), '--secret', secret, '--only', 'auth.forged-rejected'];
  expect(await main(['run', ...args, '--verbose'], io)).toBe(1);
  const pairs = logPairs(captured.out);
  expect(pairs.length).toBeGreaterThan(0);
  // Every attempt of the verdict is logged, genuine and forged.
  const deliveries = Number(/auth\.forged-rejected .*\((\d+) deliveries/.exec(captured.out)?.[1]);
  expect(pairs.length).toBeGreaterThanOrEqual(deliveries);
  const wrongSecret = pairs.find((p) => p[3] === 'forged: signed with the wrong secret');
  expect(wrongSecret?.[1]).toMatch(/^evt_/);
  expect(wrongSecret?.[2]).toBe('payment_intent.succeeded');
  expect(wrongSecret?.[4]).toBe('200');
  expect(wrongSecret?.[6]).toBe('{"received":true}');
  expect(pairs.some((p) => p[3] === undefined && p[4] === '200')).toBe(true);
  expect(captured.out).not.toContain(secret);
});

test('the log passes through the redactor: a value given to --redact never shows in an answer body', async () => {
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('no-verification')), '--secret', secret, '--only', 'auth.forged-rejected'];
  expect(await main(['run', ...args, '--verbose', '--redact', 'received'], io)).toBe(1);
  const bodies = logPairs(captured.out).map((p) => p[6]);
  expect(bodies).toContain('{"***":true}');
  expect(bodies.join('\n')).not.toContain('received');
});

test('without --verbose no delivery is logged', async () => {
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('none')), '--secret', secret, '--only', 'idem.sequential'];
  expect(await main(['run', ...args], io)).toBe(0);
  expect(captured.out).toContain('PASS');
  expect(captured.out).not.toMatch(/^(-->|<--) /m);
});
