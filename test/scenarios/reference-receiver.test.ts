import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { scenarios } from '../../scenarios/catalog/index.js';
import { main } from '../../scenarios/cli/main.js';
import { runsIn } from '../../scenarios/define.js';
import { fakeIo } from '../support/fake-io.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

test('demo runs every scenario against the reference receiver for every provider and every guarantee holds', async () => {
  const { io, captured } = fakeIo({}, 2026);
  const code = await main(['demo', '--parallel', '3'], io);
  expect(captured.err).toBe('');
  expect(captured.out).not.toContain('FAIL');
  const passes = captured.out.match(/PASS/g) ?? [];
  const applicable = Object.values(providers).flatMap((p) =>
    // The demo's gateway serves the event lists, so it plays consistency.reconciled too.
    scenarios.filter((s) => runsIn(s, p, { withGateway: true })),
  );
  // Every provider's run also has its baseline and its acknowledgement-latency verdicts.
  expect(passes).toHaveLength(applicable.length + 2 * Object.keys(providers).length);
  expect(captured.out).not.toContain('UNKNOWN');
  // Providers play three at once; each one's lines still come as one block, in the order of the providers.
  const headers = Object.values(providers).map((p) => captured.out.indexOf(`\n${p.title} → `));
  expect(headers.every((at) => at >= 0)).toBe(true);
  expect([...headers].sort((a, b) => a - b)).toEqual(headers);
  for (const [i, p] of Object.values(providers).entries()) {
    const block = captured.out.slice(headers[i], headers[i + 1] ?? captured.out.indexOf('\n  guarantee'));
    const expected = scenarios.filter((s) => runsIn(s, p, { withGateway: true })).length + 2;
    expect({ provider: p.id, passes: block.match(/PASS/g)?.length }).toEqual({ provider: p.id, passes: expected });
  }
  expect(code).toBe(0);
}, 180_000);

test('the receiver command starts the reference receiver on the given database and stops cleanly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-receiver-cli-'));
  dirs.push(dir);
  const db = join(dir, 'r.db');
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(1));
  const { io, captured } = fakeIo({ STRIPE_WEBHOOK_SECRET: secret, LOG_LEVEL: 'silent' });
  expect(await main(['receiver', '--port', '0', '--db', db, '--probe'], io)).toBe(0);
  expect(captured.err).toMatch(
    /listening at http:\/\/127\.0\.0\.1:\d+ \(probe: http:\/\/127\.0\.0\.1:\d+\/ipn-probe\)/,
  );
  expect((await readFile(db)).subarray(0, 15).toString()).toBe('SQLite format 3');
});

test('the receiver command serves no probe unless asked, and refuses --probe without a token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-receiver-cli-'));
  dirs.push(dir);
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(1));
  const plain = fakeIo({ STRIPE_WEBHOOK_SECRET: secret, LOG_LEVEL: 'silent' });
  expect(await main(['receiver', '--port', '0', '--db', join(dir, 'a.db')], plain.io)).toBe(0);
  expect(plain.captured.err).toMatch(/listening at http:\/\/127\.0\.0\.1:\d+ \(no probe\)/);
  const tokenless = fakeIo({ STRIPE_WEBHOOK_SECRET: secret, LOG_LEVEL: 'silent', IPN_GAUNTLET_PROBE_TOKEN: '' });
  expect(await main(['receiver', '--port', '0', '--db', join(dir, 'b.db'), '--probe'], tokenless.io)).toBe(2);
  expect(tokenless.captured.err).toMatch(
    /IPN_ERR_USAGE: --probe serves the probe only with a token.*IPN_GAUNTLET_PROBE_TOKEN/,
  );
});

test('the receiver command refuses to start without a secret and names the variables to set', async () => {
  const { io, captured } = fakeIo({});
  expect(await main(['receiver', '--port', '0'], io)).toBe(2);
  expect(captured.err).toMatch(/IPN_ERR_SECRET_MISSING.*STRIPE_WEBHOOK_SECRET.*STANDARD_WEBHOOKS_SECRET/);
  // The receiver has no secret flag: the fix it names is an environment variable, never a flag.
  expect(captured.err).toMatch(/reads secrets from the environment only/);
  expect(captured.err).not.toMatch(/flag/);
});
