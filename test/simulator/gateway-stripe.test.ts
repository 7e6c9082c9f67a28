import Stripe from 'stripe';
import { request } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { stripe as stripeProvider } from '../../contracts/providers/stripe.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import type { GatewayLedger } from '../../simulator/gateway/ledger.js';
import { recordingWorld } from '../../simulator/gateway/recording-world.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { listenOnLoopback } from '../support/listen.js';

const API_KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function seededEvents(): GatewayEvent[] {
  const world = createWorld({ random: createRandom(5).fork('world'), runId: 'st', startSeconds: 1_768_000_000 });
  return [
    ...eventsOf(stripeProvider, world.order('failed-then-paid')),
    ...eventsOf(stripeProvider, world.order('partially-refunded')),
  ];
}

async function gateway(ledger: GatewayLedger, apiKeys?: readonly string[]): Promise<string> {
  const app = buildGateway({
    key: 'k',
    providers: [stripeProvider],
    ledger,
    ...(apiKeys === undefined ? {} : { apiKeys }),
  });
  const url = await listenOnLoopback(app);
  closers.push(() => app.close());
  return url;
}

function client(url: string, key = API_KEY): Stripe {
  const { hostname, port } = new URL(url);
  return new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
}

const json = (body: Uint8Array): Record<string, unknown> => JSON.parse(Buffer.from(body).toString('utf8'));

test('the official Stripe SDK retrieves every event the run sent, exactly as it was delivered', async () => {
  const ledger = createGatewayLedger();
  const events = seededEvents();
  for (const event of events) expect(ledger.record('stripe', event.body)).toBe(true);
  const api = client(await gateway(ledger));
  for (const event of events) {
    const fetched = await api.events.retrieve(event.eventId);
    expect({ ...fetched, lastResponse: undefined }).toEqual({ ...json(event.body), lastResponse: undefined });
  }
});

test('a payment intent is answered in the state of the newest event that carried it, whatever the recording order', async () => {
  const ledger = createGatewayLedger();
  const events = seededEvents();
  for (const event of [...events].reverse()) ledger.record(stripeProvider, event.body);
  const api = client(await gateway(ledger));
  const intents = new Map<string, string>();
  for (const event of events) {
    const object = (json(event.body).data as { object: { object: string; id: string; status: string } }).object;
    if (object.object === 'payment_intent') intents.set(object.id, object.status);
  }
  expect([...intents.values()]).toEqual(['requires_payment_method', 'succeeded', 'succeeded']);
  for (const [id, status] of intents) {
    const intent = await api.paymentIntents.retrieve(id);
    expect(intent.status).toBe(status);
    expect(intent.id).toBe(id);
  }
});

test('an id the gateway never sent is a 404 resource_missing the SDK raises as Stripe does', async () => {
  const ledger = createGatewayLedger();
  ledger.record('stripe', seededEvents()[0]?.body ?? new Uint8Array(0));
  const api = client(await gateway(ledger));
  const missingEvent = await api.events.retrieve('evt_never_sent').catch((error: unknown) => error);
  expect(missingEvent).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect(missingEvent).toMatchObject({ code: 'resource_missing', statusCode: 404, param: 'id' });
  const missingIntent = await api.paymentIntents.retrieve('pi_never_sent').catch((error: unknown) => error);
  expect(missingIntent).toMatchObject({ code: 'resource_missing', message: "No such payment_intent: 'pi_never_sent'" });
});

test('without a test-mode secret key the answer is 401 in Stripe shape, and a live key is refused', async () => {
  const ledger = createGatewayLedger();
  const [event] = seededEvents();
  if (event === undefined) throw new Error('no event');
  ledger.record('stripe', event.body);
  const url = await gateway(ledger);
  const bare = await request(`${url}/v1/events/${event.eventId}`);
  expect(bare.statusCode).toBe(401);
  const refusal = (await bare.body.json()) as { error: { type: string; message: string } };
  expect(refusal.error.type).toBe('invalid_request_error');
  expect(refusal.error.message).toMatch(/^You did not provide an API key/);
  const live = await client(url, 'sk_live_51abcdefghijklmnop')
    .events.retrieve(event.eventId)
    .catch((e: unknown) => e);
  expect(live).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  expect(live).toMatchObject({ statusCode: 401, message: 'Invalid API Key provided: sk_live_**************mnop' });
  const basic = await request(`${url}/v1/events/${event.eventId}`, {
    headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}` },
  });
  expect(basic.statusCode).toBe(200);
});

test('a gateway given the run its keys accepts those keys only', async () => {
  const ledger = createGatewayLedger();
  const [event] = seededEvents();
  if (event === undefined) throw new Error('no event');
  ledger.record('stripe', event.body);
  const url = await gateway(ledger, ['sk_test_runkey']);
  expect((await client(url, 'sk_test_runkey').events.retrieve(event.eventId)).id).toBe(event.eventId);
  const other = await client(url)
    .events.retrieve(event.eventId)
    .catch((error: unknown) => error);
  expect(other).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
});

test('the ledger keeps the first copy of an event and forgets the oldest past its bound', () => {
  const ledger = createGatewayLedger({ maxEntries: 3 });
  const [first, second, third] = seededEvents();
  if (first === undefined || second === undefined || third === undefined) throw new Error('too few events');
  ledger.record('stripe', first.body);
  const resent = JSON.stringify({ ...json(first.body), api_version: '2020-08-27' });
  ledger.record('stripe', resent);
  expect(ledger.store.get('stripe.event', first.eventId)).toEqual(json(first.body));
  ledger.record('stripe', second.body);
  ledger.record('stripe', third.body);
  expect(ledger.store.get('stripe.event', first.eventId)).toBeUndefined();
  expect(ledger.store.get('stripe.event', third.eventId)).toEqual(json(third.body));
  expect(ledger.record('stripe', 'not json')).toBe(false);
  expect(ledger.record('github', third.body)).toBe(false);
});

test("a run's world records every order's events as it builds them, and the gateway answers each", async () => {
  const ledger = createGatewayLedger();
  const world = recordingWorld(
    createWorld({ random: createRandom(8).fork('world'), runId: 'rw', startSeconds: 1_768_000_000 }),
    stripeProvider,
    ledger,
  );
  const orders = [world.order('paid'), world.order('refunded-in-two-parts')];
  const api = client(await gateway(ledger));
  const replayed = createWorld({ random: createRandom(8).fork('world'), runId: 'rw', startSeconds: 1_768_000_000 });
  expect(orders).toEqual([replayed.order('paid'), replayed.order('refunded-in-two-parts')]);
  for (const event of orders.flatMap((order) => eventsOf(stripeProvider, order))) {
    expect((await api.events.retrieve(event.eventId)).id).toBe(event.eventId);
  }
});

test('a world is recorded only for providers whose API answers from the ledger', () => {
  const ledger = createGatewayLedger();
  const world = createWorld({ random: createRandom(8).fork('world'), runId: 'pp', startSeconds: 1_768_000_000 });
  expect(recordingWorld(world, providers['paypal-ipn'], ledger)).toBe(world);
  expect(recordingWorld(world, stripeProvider, ledger)).not.toBe(world);
  expect([ledger.keeps('stripe'), ledger.keeps('paypal-ipn')]).toEqual([true, false]);
});
