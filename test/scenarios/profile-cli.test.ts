import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { main } from '../../scenarios/cli/main.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { secrets, temporaryDbFile } from '../receiver/receiver-fixture.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';

/**
 * The receiver profile from the command line and the config file: `--facts`, `--families`, `--order-ids`… and the
 * config's `profile` key change what is sent and judged, show on the console and in the replay command, and a wrong
 * value stops the run at start-up with the flag named.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

async function refundIgnoringReceiver() {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'ignores-refunds' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
}

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-profile-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a receiver for successful payments only fails the baseline without a profile and holds everything with --facts succeeded', async () => {
  const receiver = await refundIgnoringReceiver();
  const dir = await tempDir();
  const unprofiled = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const json = join(dir, 'report.json');
  expect(await main(['run', ...receiver, '--seed', '5', '--json', json], unprofiled.io)).toBe(1);
  const failed = RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(failed.results.filter((r) => r.status === 'fail').map((r) => r.guarantee)).toEqual(['baseline.applied']);
  expect(unprofiled.captured.out).toContain('Profile: families payment_intent; order id in');

  const profiled = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  expect(await main(['run', ...receiver, '--seed', '5', '--facts', 'succeeded'], profiled.io)).toBe(0);
  expect(profiled.captured.out).toContain('Profile: families payment_intent; facts succeeded;');
  expect(profiled.captured.err).toBe('');
}, 90_000);

test("the config file's profile is used, a flag overrides its key, and the replay command carries the profile", async () => {
  const receiver = await refundIgnoringReceiver();
  const dir = await tempDir();
  await writeFile(
    join(dir, 'ipn-gauntlet.config.json'),
    JSON.stringify({ profile: { facts: ['succeeded', 'refunded'], currencies: ['EUR'] } }),
  );
  const fromFile = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  // The file says the receiver models refunds, which it does not: the baseline fails, and its replay says so.
  expect(await main(['run', ...receiver, '--seed', '6'], { ...fromFile.io, cwd: dir })).toBe(1);
  expect(fromFile.captured.out).toContain('Profile: families payment_intent; facts succeeded, refunded;');
  expect(fromFile.captured.out).toContain('currencies EUR');
  expect(fromFile.captured.out).toMatch(
    /replay: npx ipn-gauntlet run .* --provider stripe --facts succeeded,refunded --currencies EUR --secret/,
  );
  const overridden = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  expect(await main(['run', ...receiver, '--seed', '6', '--facts', 'succeeded'], { ...overridden.io, cwd: dir })).toBe(
    0,
  );
  expect(overridden.captured.out).toContain(
    'facts succeeded; order id in data.object.metadata.order_id; currencies EUR',
  );
}, 90_000);

test('--families checkout sends Checkout Sessions to the reference receiver, and every guarantee holds', async () => {
  const app = await buildReceiver({
    secrets: { stripe: secrets.stripe },
    dbFile: await temporaryDbFile(),
    clock: systemClock,
    ...testProbe,
  });
  cleanups.push(() => app.close());
  const base = await listenOnLoopback(app);
  const dir = await tempDir();
  const json = join(dir, 'report.json');
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secrets.stripe });
  const args = ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const code = await main(['run', ...args, '--seed', '8', '--families', 'checkout', '--json', json], io);
  expect(captured.err).toBe('');
  expect(code).toBe(0);
  expect(captured.out).toContain('Profile: families checkout');
  const report = RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.profile).toContain('families checkout');
}, 90_000);

test.each([
  [['--order-ids', 'serial'], /--order-ids: expected prefixed, uuid or integer/],
  [['--facts', 'succeeded,paid'], /--facts "paid": Invalid option: expected one of "pending"\|"succeeded"/],
  [['--statuses', 'complete'], /--statuses: expected word=status pairs, got "complete"/],
  [['--statuses', 'complete=done'], /--statuses "done": Invalid option: expected one of "awaiting_payment"/],
  [['--currencies', 'USD,EURO'], /--currencies "EURO": a three-letter ISO 4217 code/],
  [
    ['--families', 'subscriptions'],
    /subscriptions, not an event family of Stripe; its families: payment_intent, checkout, subscription, dispute/,
  ],
])('%j stops the run at start-up with exit 2 and names the flag', async (flags, message) => {
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const args = ['--target', 'http://127.0.0.1:9/webhooks/stripe', '--probe', 'http://127.0.0.1:9/ipn-probe'];
  expect(await main(['run', ...args, '--provider', 'stripe', ...flags], io)).toBe(2);
  expect(captured.err).toMatch(message);
  expect(captured.out).not.toContain('Profile:');
});

test("an unknown key of the config's profile names the keys it takes", async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'ipn-gauntlet.config.json'), JSON.stringify({ profile: { fact: ['succeeded'] } }));
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const args = ['--target', 'http://127.0.0.1:9/webhooks/stripe', '--probe', 'http://127.0.0.1:9/ipn-probe'];
  expect(await main(['run', ...args, '--provider', 'stripe'], { ...io, cwd: dir })).toBe(2);
  expect(captured.err).toMatch(/profile\.fact: unknown key.*facts/);
});

test('explore takes the same profile flags and checks them before it starts', async () => {
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const args = ['--target', 'http://127.0.0.1:9/webhooks/stripe', '--probe', 'http://127.0.0.1:9/ipn-probe'];
  expect(await main(['explore', ...args, '--provider', 'stripe', '--families', 'payment_intent,invoices'], io)).toBe(2);
  expect(captured.err).toMatch(/invoices, not an event family of Stripe/);
  expect(captured.out).not.toContain('Exploring');
});
