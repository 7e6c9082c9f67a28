import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { eventListFor } from '../../receiver/event-lists.js';
import { ListUnavailable } from '../../receiver/reconcile.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { listenOnLoopback } from '../support/listen.js';

/**
 * PayPal REST's `GET /v1/notifications/webhooks-events` (and the OAuth token before it), served from what the run
 * sent, in PayPal's `{ events, count, links }` shape, and read back by the reference receiver's list client.
 */
const paypal = providers['paypal-rest'];
const START = 1_800_000_000;

function seededEvents(): GatewayEvent[] {
  const world = createWorld({ random: createRandom(4).fork('world'), runId: 'pl', startSeconds: START });
  return (['paid', 'partially-refunded', 'refunded-in-two-parts', 'failed-then-paid'] as const).flatMap((kind) =>
    eventsOf(paypal, world.order(kind)),
  );
}

async function gatewayWith(events: readonly GatewayEvent[]) {
  const ledger = createGatewayLedger();
  for (const event of events) expect(ledger.record(paypal, event.body)).toBe(true);
  const app = buildGateway({ key: 'k', providers: [paypal], ledger });
  onTestFinished(() => app.close());
  return { app, url: await listenOnLoopback(app) };
}

async function token(app: Awaited<ReturnType<typeof gatewayWith>>['app']): Promise<string> {
  const answer = await app.inject({
    method: 'POST',
    url: '/v1/oauth2/token',
    headers: {
      authorization: `Basic ${Buffer.from('client:secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: 'grant_type=client_credentials',
  });
  expect(answer.statusCode).toBe(200);
  return (answer.json() as { access_token: string }).access_token;
}

const createTime = (event: GatewayEvent) =>
  (JSON.parse(Buffer.from(event.body).toString('utf8')) as { create_time: string }).create_time;

test('pages of 3, followed by their next links, give every event once, newest first', async () => {
  const events = seededEvents();
  const { app } = await gatewayWith(events);
  const bearer = { authorization: `Bearer ${await token(app)}` };
  const seen: { id: string; create_time: string }[] = [];
  let url: string | null = '/v1/notifications/webhooks-events?page_size=3';
  for (let pages = 0; url !== null && pages < 100; pages += 1) {
    const answer = await app.inject({ method: 'GET', url, headers: bearer });
    expect(answer.statusCode).toBe(200);
    const page = answer.json() as {
      events: { id: string; create_time: string }[];
      count: number;
      links: { rel: string; href: string; method: string }[];
    };
    expect(page.count).toBe(page.events.length);
    expect(page.links.find((l) => l.rel === 'self')?.method).toBe('GET');
    seen.push(...page.events);
    const next = page.links.find((l) => l.rel === 'next')?.href;
    url = next === undefined ? null : new URL(next).pathname + new URL(next).search;
  }
  expect(seen.map((e) => e.id).sort()).toEqual(events.map((e) => e.eventId).sort());
  const times = seen.map((e) => Date.parse(e.create_time));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
});

test('start_time, end_time and event_type filter; bad input and a missing token are refused in PayPal’s shapes', async () => {
  const events = seededEvents();
  const { app } = await gatewayWith(events);
  const bearer = { authorization: `Bearer ${await token(app)}` };
  const middle = createTime(events[Math.floor(events.length / 2)] as GatewayEvent);
  const list = async (query: string, headers: Record<string, string> = bearer) =>
    app.inject({ method: 'GET', url: `/v1/notifications/webhooks-events?${query}`, headers });
  const since = (await list(`page_size=300&start_time=${encodeURIComponent(middle)}`)).json() as {
    events: { create_time: string; event_type: string }[];
  };
  expect(since.events.length).toBeGreaterThan(0);
  expect(since.events.every((e) => Date.parse(e.create_time) >= Date.parse(middle))).toBe(true);
  expect(since.events.length).toBe(events.filter((e) => Date.parse(createTime(e)) >= Date.parse(middle)).length);
  const until = (await list(`page_size=300&end_time=${encodeURIComponent(middle)}`)).json() as { events: unknown[] };
  expect(until.events.length + since.events.length).toBeGreaterThanOrEqual(events.length);
  const completed = (await list('page_size=300&event_type=PAYMENT.CAPTURE.COMPLETED')).json() as {
    events: { event_type: string }[];
  };
  expect(completed.events.length).toBeGreaterThan(0);
  expect(completed.events.every((e) => e.event_type === 'PAYMENT.CAPTURE.COMPLETED')).toBe(true);

  expect((await list('page_size=0')).json()).toMatchObject({
    name: 'INVALID_REQUEST',
    details: [{ field: 'page_size' }],
  });
  expect((await list('start_time=yesterday')).statusCode).toBe(400);
  expect((await list('', {})).json()).toMatchObject({ error: 'invalid_token' });
  const noCredentials = await app.inject({
    method: 'POST',
    url: '/v1/oauth2/token',
    payload: 'grant_type=client_credentials',
  });
  expect(noCredentials.json()).toMatchObject({ error: 'invalid_client' });
});

test('the reference receiver’s list client gets a token, follows next links on the gateway only, and pages all', async () => {
  const events = seededEvents();
  const { url } = await gatewayWith(events);
  const list = eventListFor('paypal-rest', { gatewayUrl: url, apiKey: 'client:secret' });
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await list.list({ limit: 4, ...(after === undefined ? {} : { after }) });
    ids.push(...page.events.map((e) => e.id));
    if (!page.hasMore) break;
    expect(page.next).toMatch(new RegExp(`^${url}/v1/notifications/webhooks-events\\?`));
    after = page.next;
  }
  expect(ids.sort()).toEqual(events.map((e) => e.eventId).sort());
  // A next link to another host is never followed.
  await expect(
    list.list({ limit: 4, after: 'https://attacker.example/v1/notifications/webhooks-events' }),
  ).rejects.toThrow(ListUnavailable);
});

test('the list client keeps its access token until it runs out on the injected clock, then asks for another', async () => {
  const ledger = createGatewayLedger();
  for (const event of seededEvents()) ledger.record(paypal, event.body);
  const monitor = new GatewayMonitor();
  const app = buildGateway({ key: 'k', providers: [paypal], ledger, monitor });
  onTestFinished(() => app.close());
  const url = await listenOnLoopback(app);
  let now = START * 1000;
  const list = eventListFor('paypal-rest', { gatewayUrl: url, apiKey: 'client:secret', clock: () => now });
  const tokens = () => monitor.calls().filter((c) => c.endpoint === 'paypal-rest oauth2 token').length;
  await list.list({ limit: 2 });
  await list.list({ limit: 2 });
  expect(tokens()).toBe(1);
  // The fake gateway's tokens last 32,400 s; the client asks again a minute before.
  now += 32_400 * 1000;
  await list.list({ limit: 2 });
  expect(tokens()).toBe(2);
});
