import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { expect, onTestFinished, test } from 'vitest';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { signedPayment } from '../../contracts/sign.js';
import { startReceiver } from '../../receiver/server.js';
import { main } from '../../scenarios/cli/main.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { fakeIo } from '../support/fake-io.js';
import { freePort } from '../support/free-port.js';
import { testProbe } from '../support/probe-token.js';

/** Runs `ipn-gauntlet gateway …` until `whileRunning` is done, then stops it as Ctrl-C would. */
async function withGateway(args: string[], whileRunning: (url: string) => Promise<void>) {
  const { io, captured } = fakeIo({});
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const code = main(['gateway', ...args], { ...io, untilStopped: () => stopped });
  for (let i = 0; i < 100 && !captured.out.includes('Fake gateway at'); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const url = /Fake gateway at (http:\/\/\S+)/.exec(captured.out)?.[1];
  try {
    expect(url).toBeDefined();
    await whileRunning(url ?? '');
  } finally {
    stop();
  }
  expect(await code).toBe(0);
  return captured;
}

async function postback(url: string, body: Uint8Array): Promise<string> {
  const response = await request(`${url}/cgi-bin/webscr`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: paypalIpn.postback?.request(body) ?? body,
  });
  return response.body.text();
}

test('the gateway command answers VERIFIED for IPNs made with its seed’s key and INVALID for others', async () => {
  const ipn = (gatewayKey: string) =>
    signedPayment({
      provider: 'paypal-ipn',
      secret: 'seller@example.com',
      orderId: 'ord_cli_1',
      amount: '12.50',
      currency: 'EUR',
      gatewayKey,
    }).body;
  const captured = await withGateway(['--port', '0', '--seed', '77'], async (url) => {
    expect(await postback(url, ipn(gatewayKeyFromSeed(77)))).toBe('VERIFIED');
    expect(await postback(url, ipn(gatewayKeyFromSeed(78)))).toBe('INVALID');
  });
  expect(captured.out).toMatch(/PayPal postback: http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/webscr; seed 77/);
});

test('the gateway command takes a key instead of a seed', async () => {
  const body = signedPayment({
    provider: 'paypal-ipn',
    secret: 'seller@example.com',
    orderId: 'ord_cli_2',
    amount: '1000',
    currency: 'JPY',
    gatewayKey: 'shared-key',
  }).body;
  await withGateway(['--port', '0', '--gateway-key', 'shared-key'], async (url) => {
    expect(await postback(url, body)).toBe('VERIFIED');
  });
});

test('run --provider paypal-ipn starts the gateway on --gateway-port and passes against the reference receiver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-paypal-run-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const email = 'seller@example.com';
  const receiver = await startReceiver({
    secrets: { 'paypal-ipn': email },
    dbFile: join(dir, 'r.db'),
    gatewayUrl: `http://127.0.0.1:${port}`,
    ...testProbe,
  });
  onTestFinished(() => receiver.close());
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: email }, 5);
  const code = await main(
    [
      'run',
      '--target',
      `${receiver.url}/webhooks/paypal-ipn`,
      '--probe',
      `${receiver.url}/ipn-probe`,
      '--provider',
      'paypal-ipn',
      '--gateway-port',
      String(port),
    ],
    io,
  );
  expect(captured.err).toBe('');
  expect(captured.out).toContain(`Fake gateway at http://127.0.0.1:${port}`);
  expect(captured.out).toMatch(/PASS +auth\.verified-postback/);
  expect(captured.out).not.toContain('FAIL');
  expect(code).toBe(0);
}, 60_000);

/** A port nothing listens on right now (bound and released). */
