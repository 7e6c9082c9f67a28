import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { signedPayment } from '../../contracts/sign.js';
import { probeHeaders, TEST_PROBE_TOKEN } from '../support/probe-token.js';

/**
 * The reference receiver on a worker thread (what `demo` runs it on): the compiled module, as the package ships it,
 * since a thread loads JavaScript (`npm test` builds dist/ first).
 */
const thread = (await import(
  new URL('../../dist/receiver/receiver-thread.js', import.meta.url).href
)) as typeof import('../../receiver/receiver-thread.js');
const run = promisify(execFile);

async function dbFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-thread-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'receiver.db');
}

test('the receiver on its own thread stores a signed delivery durably and its probe shows it', async () => {
  expect(thread.threadsAvailable()).toBe(true);
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(21));
  const receiver = await thread.startReceiverThread({
    secrets: { stripe: secret },
    dbFile: await dbFile(),
    probe: { token: TEST_PROBE_TOKEN },
  });
  onTestFinished(() => receiver.close());
  const order = 'ord_thread_1';
  const put = await fetch(`${receiver.url}/ipn-probe/orders/${order}`, {
    method: 'PUT',
    headers: { ...probeHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: '12.50', currency: 'EUR' }),
  });
  expect(put.status).toBeLessThan(300);
  const paid = signedPayment({
    provider: 'stripe',
    secret,
    orderId: order,
    amount: '12.50',
    currency: 'EUR',
    kind: 'succeeded',
    eventKey: 'thr1',
  });
  const answer = await fetch(`${receiver.url}/webhooks/stripe`, {
    method: 'POST',
    headers: paid.headers,
    body: paid.body,
  });
  expect(answer.status).toBe(200);
  let status = '';
  for (let i = 0; i < 100 && status !== 'paid'; i += 1) {
    const view = (await (
      await fetch(`${receiver.url}/ipn-probe/orders/${order}`, { headers: probeHeaders })
    ).json()) as {
      status: string;
    };
    status = view.status;
    if (status !== 'paid') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(status).toBe('paid');
});

test('a misconfigured receiver fails to start on its thread with the same error code and hint as in-process', async () => {
  const started = await thread
    .startReceiverThread({ secrets: { stripe: 'not a whsec secret' }, dbFile: await dbFile() })
    .catch((error: unknown) => error);
  expect(started).toMatchObject({
    name: 'IpnError',
    code: expect.stringMatching(/^IPN_ERR_/),
    hint: expect.any(String),
  });
  expect(String((started as Error).message)).toMatch(/stripe/i);
});

test('the compiled demo runs its receiver on its own thread, and every guarantee of a provider holds', async () => {
  const bin = new URL('../../bin/ipn-gauntlet.js', import.meta.url).pathname;
  const { stdout } = await run(process.execPath, [bin, 'demo', '--provider', 'paypal-rest', '--seed', '5'], {
    timeout: 120_000,
  });
  expect(stdout).toMatch(/Reference receiver at http:\/\/127\.0\.0\.1:\d+ \(SQLite .*, on its own thread\)/);
  expect(stdout).toMatch(/(\d+) of \1 guarantees held/);
}, 150_000);
