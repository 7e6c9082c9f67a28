import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { startReceiver } from '../../receiver/server.js';
import { main } from '../../scenarios/cli/main.js';
import { replayCommand } from '../../scenarios/replay-command.js';
import { fakeIo } from '../support/fake-io.js';
import { testProbe } from '../support/probe-token.js';

/**
 * Square signs the URL its subscription is registered under. The reference receiver rebuilds it from `publicUrl`
 * (behind a proxy the request's own URL differs), and `run --notification-url` tells the gauntlet which URL to sign.
 */
const PUBLIC_URL = 'https://payments.example.com/shop';
const secret = providers.square.secret.generate(new Uint8Array(32).fill(5));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

async function squareReceiver() {
  const directory = await mkdtemp(join(tmpdir(), 'ipn-square-url-'));
  const receiver = await startReceiver({
    secrets: { square: secret },
    dbFile: join(directory, 'r.db'),
    publicUrl: PUBLIC_URL,
    ...testProbe,
  });
  cleanups.push(async () => {
    await receiver.close();
    await rm(directory, { recursive: true, force: true });
  });
  return [
    '--target',
    `${receiver.url}/webhooks/square`,
    '--probe',
    `${receiver.url}/ipn-probe`,
    '--provider',
    'square',
  ];
}

test('run --notification-url signs Square deliveries for the registered URL, and the receiver accepts them', async () => {
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const registered = `${PUBLIC_URL}/webhooks/square`;
  const args = [...(await squareReceiver()), '--notification-url', registered, '--only', 'auth.forged-rejected'];
  expect(await main(['run', ...args], io)).toBe(0);
  expect(captured.out).toContain('1 of 1 guarantees held');
});

test('without it the deliveries are signed for the loopback target: the preflight stops the run and names the flag', async () => {
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const args = [...(await squareReceiver()), '--seed', '11', '--only', 'auth.forged-rejected'];
  expect(await main(['run', ...args], io)).toBe(2);
  expect(captured.err).toMatch(
    /IPN_ERR_PREFLIGHT_REFUSED: a genuine payment\.updated .* was answered 400: .*signature/,
  );
  expect(captured.err).toContain('--notification-url');
  expect(captured.out).not.toContain('FAIL');
});

test('a Square run prints a replay command that keeps the notification URL', () => {
  const other = 'https://elsewhere.example.com/webhooks/square';
  const command = replayCommand(
    {
      kind: 'run',
      target: 'http://127.0.0.1:1/webhooks/square',
      probe: 'http://127.0.0.1:1/p',
      provider: 'square',
      notificationUrl: other,
    },
    12,
    'idem.sequential',
  );
  expect(command).toMatch(
    /^npx ipn-gauntlet run .*--notification-url https:\/\/elsewhere\.example\.com\/webhooks\/square/,
  );
});

test('the receiver command refuses Square without a public URL and takes one from IPN_GAUNTLET_PUBLIC_URL', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ipn-square-cli-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const env = { SQUARE_SIGNATURE_KEY: secret, LOG_LEVEL: 'silent' };
  const refused = fakeIo(env);
  expect(await main(['receiver', '--port', '0', '--db', join(directory, 'a.db')], refused.io)).toBe(2);
  expect(refused.captured.err).toMatch(
    /IPN_ERR_RECEIVER_OPTIONS.*Square signs the notification URL.*IPN_GAUNTLET_PUBLIC_URL/s,
  );

  const started = fakeIo({ ...env, IPN_GAUNTLET_PUBLIC_URL: PUBLIC_URL });
  expect(await main(['receiver', '--port', '0', '--db', join(directory, 'b.db')], started.io)).toBe(0);
  expect(started.captured.err).toContain('listening at http://127.0.0.1:');
});
