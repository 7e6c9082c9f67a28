import https from 'node:https';
import { setupServer } from 'msw/node';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { signedPayment } from '../../contracts/sign.js';
import { eventsOf } from '../../simulator/events.js';
import { postbackForgery, postbackForgeryNames } from '../../simulator/faults/postback-forge.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { gatewayHandlers } from '../../simulator/msw/index.js';
import { createSigningContext, deliveryOf } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { startTestGateway } from '../support/gateway.js';

const KEY = gatewayKeyFromSeed(23);
const MERCHANT = 'seller@example.com';
const LIVE = 'https://ipnpb.paypal.com/cgi-bin/webscr';
const SANDBOX = 'https://ipnpb.sandbox.paypal.com/cgi-bin/webscr';

// Only the handlers answer: anything else (a real PayPal host included) fails the test instead of going out.
const server = setupServer(
  ...gatewayHandlers({ seed: 23, providers: ['paypal-ipn'], origins: ['http://gateway.test'] }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** What a receiver does with an IPN's exact bytes: post them back after `cmd=_notify-validate&`, read the word. */
async function askWithFetch(url: string, ipn: Uint8Array): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.concat([Buffer.from('cmd=_notify-validate&'), ipn]),
  });
  expect(response.status).toBe(200);
  return response.text();
}

function askWithHttps(url: string, ipn: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    // `https.request` read at call time, as SDKs do: msw replaces the module's function, not an imported binding.
    const outgoing = https.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(Buffer.concat([Buffer.from('cmd=_notify-validate&'), ipn]));
  });
}

const signedIpn = (gatewayKey: string | undefined, amount = '49.99') =>
  signedPayment({
    provider: 'paypal-ipn',
    secret: MERCHANT,
    orderId: 'ord_msw_1',
    amount,
    currency: 'EUR',
    timestamp: 1_768_000_000,
    eventKey: 'msw0001',
    ...(gatewayKey === undefined ? {} : { gatewayKey }),
  }).body;

test('an IPN signed with the gateway key is VERIFIED at the live and sandbox postback URLs, with no network', async () => {
  const ipn = signedIpn(KEY);
  expect(await askWithFetch(LIVE, ipn)).toBe('VERIFIED');
  expect(await askWithFetch(SANDBOX, ipn)).toBe('VERIFIED');
  expect(await askWithHttps(LIVE, ipn)).toBe('VERIFIED');
  expect(await askWithFetch('http://gateway.test/cgi-bin/webscr', ipn)).toBe('VERIFIED');
});

test('an IPN the gateway never sent, or one changed after sending, is INVALID', async () => {
  expect(await askWithFetch(LIVE, signedIpn(undefined))).toBe('INVALID');
  expect(await askWithFetch(LIVE, signedIpn(gatewayKeyFromSeed(24)))).toBe('INVALID');
  const ipn = Buffer.from(signedIpn(KEY)).toString('latin1');
  const changed = Buffer.from(ipn.replace('mc_gross=49.99', 'mc_gross=0.99'), 'latin1');
  expect(changed.equals(Buffer.from(ipn, 'latin1'))).toBe(false);
  expect(await askWithHttps(SANDBOX, changed)).toBe('INVALID');
});

test('the raw IPN posted to ?cmd=_notify-validate is answered as the prefixed one', async () => {
  const ipn = signedIpn(KEY);
  const answer = async (body: Uint8Array) =>
    (await fetch(`${LIVE}?cmd=_notify-validate`, { method: 'POST', body })).text();
  expect(await answer(ipn)).toBe('VERIFIED');
  expect(await answer(signedIpn(undefined))).toBe('INVALID');
});

test('the msw handlers and the gateway server give the same answer to every genuine and forged IPN', async () => {
  const gateway = await startTestGateway(KEY, [paypalIpn]);
  closers.push(gateway.close);
  const random = createRandom(23);
  const world = createWorld({
    random: random.fork('world'),
    runId: 'msw',
    startSeconds: 1_768_000_000,
    payee: MERCHANT,
  });
  const ctx = createSigningContext({
    provider: paypalIpn,
    secret: MERCHANT,
    gatewayKey: KEY,
    random: random.fork('signing'),
    nowSeconds: () => 1_768_003_600,
  });
  const events = eventsOf(paypalIpn, world.order('partially-refunded'));
  const bodies = events.flatMap((event) => [
    deliveryOf(ctx, event).sign(1_768_003_600).request.body,
    ...postbackForgeryNames(ctx).map((name) => postbackForgery(ctx, name, event).sign(1_768_003_600).request.body),
  ]);
  const answers = { msw: [] as string[], server: [] as string[] };
  for (const body of bodies) {
    answers.msw.push(await askWithFetch(LIVE, body));
    // undici's own `request` is not one msw intercepts: it reaches the real server on loopback.
    const response = await request(`${gateway.url}/cgi-bin/webscr`, {
      method: 'POST',
      body: Buffer.concat([Buffer.from('cmd=_notify-validate&'), body]),
    });
    answers.server.push(await response.body.text());
  }
  expect(answers.msw).toEqual(answers.server);
  expect(answers.msw.filter((a) => a === 'VERIFIED')).toHaveLength(events.length);
  expect(answers.msw.filter((a) => a === 'INVALID')).toHaveLength(bodies.length - events.length);
});
