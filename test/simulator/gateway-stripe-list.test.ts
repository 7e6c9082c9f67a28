import Stripe from 'stripe';
import { request } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { stripe as stripeProvider } from '../../contracts/providers/stripe.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, lifecycleKinds } from '../../simulator/world.js';
import { listenOnLoopback } from '../support/listen.js';

/**
 * Stripe's `GET /v1/events`, the list a reconciler pages through after an outage, served from what the run sent and
 * read by the official SDK: newest first, Stripe's pagination (auto-pagination included), filters and window.
 */
const API_KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
const START = 1_800_000_000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function seededEvents(): GatewayEvent[] {
  const world = createWorld({ random: createRandom(9).fork('world'), runId: 'ls', startSeconds: START });
  return lifecycleKinds.slice(0, 8).flatMap((kind) => {
    try {
      return eventsOf(stripeProvider, world.order(kind));
    } catch {
      return []; // a lifecycle Stripe's default family does not play
    }
  });
}

async function gatewayWith(events: readonly GatewayEvent[], nowSeconds = START + 3600) {
  const ledger = createGatewayLedger();
  for (const event of events) ledger.record('stripe', event.body);
  const app = buildGateway({ key: 'k', providers: [stripeProvider], ledger, clock: () => nowSeconds * 1000 });
  const url = await listenOnLoopback(app);
  closers.push(() => app.close());
  const { hostname, port } = new URL(url);
  return {
    url,
    api: new Stripe(API_KEY, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 }),
  };
}

const createdOf = (event: GatewayEvent) =>
  (JSON.parse(Buffer.from(event.body).toString('utf8')) as { created: number }).created;

test('auto-pagination over pages of 3 gives every event once, newest first, as Stripe orders them', async () => {
  const events = seededEvents();
  expect(events.length).toBeGreaterThan(10);
  const { api } = await gatewayWith(events);
  const first = await api.events.list({ limit: 3 });
  expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/events' });
  expect(first.data).toHaveLength(3);
  const seen: Stripe.Event[] = [];
  for await (const event of api.events.list({ limit: 3 })) seen.push(event);
  expect(seen.map((e) => e.id).sort()).toEqual(events.map((e) => e.eventId).sort());
  const created = seen.map((e) => e.created);
  expect(created).toEqual([...created].sort((a, b) => b - a));
  // Paging backwards from the oldest gives the page before it.
  const last = seen.at(-1)?.id ?? '';
  const before = await api.events.list({ limit: 2, ending_before: last });
  expect(before.data.map((e) => e.id)).toEqual(seen.slice(-3, -1).map((e) => e.id));
});

test('created bounds and type filters (with the * wildcard and types[]) select as Stripe does', async () => {
  const events = seededEvents();
  const { api } = await gatewayWith(events);
  const middle = createdOf(events[Math.floor(events.length / 2)] as GatewayEvent);
  const since = await api.events.list({ limit: 100, created: { gte: middle } });
  expect(since.data.map((e) => e.id).sort()).toEqual(
    events
      .filter((e) => createdOf(e) >= middle)
      .map((e) => e.eventId)
      .sort(),
  );
  const refunds = await api.events.list({ limit: 100, type: 'charge.*' });
  expect(refunds.data.length).toBeGreaterThan(0);
  expect(refunds.data.every((e) => e.type === 'charge.refunded')).toBe(true);
  const two = await api.events.list({ limit: 100, types: ['payment_intent.succeeded', 'charge.refunded'] });
  expect(new Set(two.data.map((e) => e.type))).toEqual(new Set(['payment_intent.succeeded', 'charge.refunded']));
});

test('events older than 30 days are not listed; bad parameters are 400s in Stripe shape; no key is a 401', async () => {
  const events = seededEvents();
  const { api, url } = await gatewayWith(events, START + 31 * 24 * 3600);
  expect((await api.events.list({ limit: 100 })).data).toEqual([]);
  const fresh = await gatewayWith(events);
  await expect(fresh.api.events.list({ limit: 101 })).rejects.toMatchObject({
    type: 'StripeInvalidRequestError',
    param: 'limit',
  });
  await expect(fresh.api.events.list({ starting_after: 'evt_never' })).rejects.toMatchObject({
    message: "No such event: 'evt_never'",
  });
  const bare = await request(`${url}/v1/events`);
  expect(bare.statusCode).toBe(401);
  await bare.body.dump();
});
