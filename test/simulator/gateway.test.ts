import { request } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { decodeIpn } from '../../contracts/providers/paypal-ipn-wire.js';
import { eventsOf } from '../../simulator/events.js';
import { paidToAnotherAccount, postbackForgery, postbackForgeryNames } from '../../simulator/faults/postback-forge.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { createSigningContext, deliveryOf } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { startTestGateway } from '../support/gateway.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const KEY = gatewayKeyFromSeed(11);
const NOW = 1_768_003_600;
const fieldsOf = (body: Uint8Array): Record<string, string> => Object.fromEntries(decodeIpn(body).fields);

function fixture(seed = 11) {
  const random = createRandom(seed);
  const world = createWorld({
    random: random.fork('world'),
    runId: 'gw',
    startSeconds: 1_768_000_000,
    payee: 'seller@example.com',
  });
  const signing = createSigningContext({
    provider: paypalIpn,
    secret: 'seller@example.com',
    gatewayKey: KEY,
    random: random.fork('signing'),
    nowSeconds: () => NOW,
  });
  return { world, signing };
}

async function gateway(key = KEY) {
  const started = await startTestGateway(key, [paypalIpn]);
  closers.push(started.close);
  return started.url;
}

async function postback(base: string, body: Uint8Array, path = '/cgi-bin/webscr'): Promise<string> {
  const response = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(response.statusCode).toBe(200);
  return response.body.text();
}

test('the gateway answers VERIFIED to every IPN it sent, in either charset, with the exact bytes posted back', async () => {
  const base = await gateway();
  const { world, signing } = fixture();
  const events = [
    world.order('failed-then-paid'),
    world.order('reversal-canceled'),
    world.order('refunded-in-two-parts'),
  ].flatMap((order) => eventsOf(paypalIpn, order));
  const charsets = new Set<string>();
  for (const event of events) {
    const sent = deliveryOf(signing, event).sign(NOW).request.body;
    charsets.add(String(fieldsOf(sent).charset));
    expect(await postback(base, paypalIpn.postback?.request(sent) ?? sent)).toBe('VERIFIED');
  }
  expect(charsets).toEqual(new Set(['windows-1252', 'UTF-8']));
});

test('every forgery is INVALID: never sent, amount or receiver_email changed, re-encoded, reordered', async () => {
  const base = await gateway();
  const { world, signing } = fixture();
  const names = postbackForgeryNames(signing);
  expect(names.length).toBeGreaterThanOrEqual(5);
  for (const name of names) {
    const event = eventsOf(paypalIpn, world.order('paid')).at(-1);
    if (event === undefined) throw new Error('a paid order has events');
    const forged = postbackForgery(signing, name, event);
    expect(forged.expect).toBe('survive');
    expect(
      await postback(base, paypalIpn.postback?.request(forged.sign(NOW).request.body) ?? new Uint8Array()),
      name,
    ).toBe('INVALID');
  }
});

test('a genuine IPN to another receiver_email is VERIFIED: the gateway did send it, the receiver must check the payee', async () => {
  const base = await gateway();
  const { world, signing } = fixture();
  const event = eventsOf(paypalIpn, world.order('paid')).at(-1);
  if (event === undefined) throw new Error('a paid order has events');
  const body = paidToAnotherAccount(signing, event).sign(NOW).request.body;
  expect(fieldsOf(body).receiver_email).not.toBe('seller@example.com');
  expect(await postback(base, paypalIpn.postback?.request(body) ?? body)).toBe('VERIFIED');
});

test('a gateway in another process with the same key answers the same; another key, or no command, is INVALID', async () => {
  const { world, signing } = fixture();
  const event = eventsOf(paypalIpn, world.order('paid')).at(-1);
  if (event === undefined) throw new Error('a paid order has events');
  const sent = deliveryOf(signing, event).sign(NOW).request.body;
  const request = paypalIpn.postback?.request(sent) ?? sent;
  expect(await postback(await gateway(gatewayKeyFromSeed(11)), request)).toBe('VERIFIED');
  expect(await postback(await gateway(gatewayKeyFromSeed(12)), request)).toBe('INVALID');
  const base = await gateway();
  expect(await postback(base, sent)).toBe('INVALID');
  expect(await postback(base, sent, '/cgi-bin/webscr?cmd=_notify-validate')).toBe('VERIFIED');
  expect(await postback(base, new Uint8Array())).toBe('INVALID');
});
