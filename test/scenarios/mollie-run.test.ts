import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { mollie } from '../../contracts/providers/mollie.js';
import { startReceiver } from '../../receiver/server.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';
import { freePort } from '../support/free-port.js';
import { testProbe } from '../support/probe-token.js';

/** A port free a moment ago, for the gateway `run` starts (the receiver must know its URL first). */

test('run starts the fake gateway for Mollie and every guarantee holds against the reference receiver', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'ipn-mollie-run-'));
  onTestFinished(() => rm(directory, { recursive: true, force: true }));
  const secret = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 19));
  const port = await freePort();
  const receiver = await startReceiver({
    secrets: { mollie: secret },
    dbFile: join(directory, 'receiver.db'),
    gatewayUrl: `http://127.0.0.1:${port}`,
    // It reconciles from Mollie's payment list with the same API key (consistency.reconciled is played).
    reconcile: { apiKeys: { mollie: secret } },
    ...testProbe,
  });
  onTestFinished(() => receiver.close());
  const { io, captured } = fakeIo({}, 7);
  const code = await main(
    [
      'run',
      '--target',
      `${receiver.url}/webhooks/mollie`,
      '--probe',
      `${receiver.url}/ipn-probe`,
      '--provider',
      'mollie',
      '--secret',
      secret,
      '--gateway-port',
      String(port),
    ],
    io,
  );
  expect(captured.out).toContain(
    `Fake gateway at http://127.0.0.1:${port} (GET http://127.0.0.1:${port}/v2/payments/:id, GET http://127.0.0.1:${port}/v2/payments)`,
  );
  expect(captured.out).toContain('auth.forged-rejected');
  expect(captured.out).toMatch(/PASS\s+consistency\.reconciled/);
  expect(captured.out).not.toContain('FAIL');
  expect(code).toBe(0);
});
