import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { eventListFor } from '../../receiver/event-lists.js';
import { ListUnavailable } from '../../receiver/reconcile.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { listenOnLoopback } from '../support/listen.js';

/**
 * Mollie's `GET /v2/payments`, served from the payments the run issued, in Mollie's HAL list shape
 * (`{count, _embedded: {payments}, _links}`), paged by `from` and read back by the reference receiver's list client
 * (the official SDK reads it in test/simulator/msw-mollie-list.test.ts).
 */
const mollie = providers.mollie;
const START = 1_800_000_000;
const API_KEY = mollie.secret.generate(new Uint8Array(32).fill(3));

function seededEvents(): GatewayEvent[] {
  const world = createWorld({ random: createRandom(5).fork('world'), runId: 'ml', startSeconds: START });
  return (['paid', 'partially-refunded', 'refunded-in-two-parts', 'failed-then-paid', 'paid'] as const).flatMap(
    (kind) => eventsOf(mollie, world.order(kind)),
  );
}

async function gatewayWith(events: readonly GatewayEvent[], apiKeys: readonly string[] = []) {
  const ledger = createGatewayLedger();
  for (const event of events) expect(ledger.record(mollie, event.body)).toBe(true);
  // A second copy of a webhook (a redelivery) names the same payment: nothing new is kept, and it is listed once.
  const first = events[0];
  if (first !== undefined) expect(ledger.record(mollie, first.body)).toBe(false);
  const app = buildGateway({ key: 'k', providers: [mollie], ledger, apiKeys });
  onTestFinished(() => app.close());
  return { app, url: await listenOnLoopback(app) };
}

const bearer = { authorization: `Bearer ${API_KEY}` };
type Listed = { id: string; createdAt: string; resource: string };
type ListAnswer = {
  count: number;
  _embedded: { payments: Listed[] };
  _links: { self: { href: string }; next: { href: string } | null; previous: { href: string } | null };
};

const paymentIdOf = (event: GatewayEvent) => new URLSearchParams(Buffer.from(event.body).toString('utf8')).get('id');

test('pages of 4, followed by their next links, give every payment once, newest first, with from included', async () => {
  const events = seededEvents();
  const { app } = await gatewayWith(events);
  const seen: Listed[] = [];
  let url: string | null = '/v2/payments?limit=4';
  let pages = 0;
  for (; url !== null && pages < 100; pages += 1) {
    const answer = await app.inject({ method: 'GET', url, headers: bearer });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/hal\+json/);
    const page = answer.json() as ListAnswer;
    expect(page.count).toBe(page._embedded.payments.length);
    expect(page._links.previous === null).toBe(pages === 0);
    const next = page._links.next?.href;
    if (next !== undefined) {
      // The next page starts with the payment its `from` names, which this page did not list.
      const from = new URL(next).searchParams.get('from');
      expect(page._embedded.payments.map((p) => p.id)).not.toContain(from);
    }
    seen.push(...page._embedded.payments);
    url = next === undefined ? null : new URL(next).pathname + new URL(next).search;
  }
  expect(pages).toBe(Math.ceil(events.length / 4));
  expect(seen.every((p) => p.resource === 'payment')).toBe(true);
  expect(seen.map((p) => p.id).sort()).toEqual(events.map(paymentIdOf).sort());
  const times = seen.map((p) => Date.parse(p.createdAt));
  expect([...times].sort((a, b) => b - a)).toEqual(times);

  // sort=asc from a payment: that payment, then the newer ones.
  const middle = seen[5];
  const asc = await app.inject({
    method: 'GET',
    url: `/v2/payments?sort=asc&limit=3&from=${middle?.id}`,
    headers: bearer,
  });
  expect((asc.json() as ListAnswer)._embedded.payments.map((p) => p.id)).toEqual(
    [seen[5], seen[4], seen[3]].map((p) => p?.id),
  );
});

test('bad parameters are 400s naming the field, an unknown from is a 404, a missing or unknown key a 401, in Mollie’s shape', async () => {
  const { app } = await gatewayWith(seededEvents(), [API_KEY]);
  const refused = async (url: string, headers: Record<string, string>) => {
    const answer = await app.inject({ method: 'GET', url, headers });
    return { status: answer.statusCode, body: answer.json() as { status: number; title: string; field?: string } };
  };
  expect(await refused('/v2/payments?limit=251', bearer)).toMatchObject({
    status: 400,
    body: { status: 400, title: 'Bad Request', field: 'limit' },
  });
  expect(await refused('/v2/payments?limit=0', bearer)).toMatchObject({ status: 400, body: { field: 'limit' } });
  expect(await refused('/v2/payments?sort=up', bearer)).toMatchObject({ status: 400, body: { field: 'sort' } });
  expect(await refused('/v2/payments?from=tr_nobody', bearer)).toMatchObject({ status: 404, body: { status: 404 } });
  expect(await refused('/v2/payments', {})).toMatchObject({ status: 401, body: { title: 'Unauthorized Request' } });
  const other = mollie.secret.generate(new Uint8Array(32).fill(4));
  expect(await refused('/v2/payments', { authorization: `Bearer ${other}` })).toMatchObject({ status: 401 });
});

test('the reference receiver’s list client pages by next link on the gateway only, stops before its since, and gives the inbox identity', async () => {
  const events = seededEvents();
  const { url } = await gatewayWith(events);
  const list = eventListFor('mollie', { gatewayUrl: url, apiKey: API_KEY });
  const read = async (sinceSeconds?: number) => {
    const ids: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 100; pages += 1) {
      const page = await list.list({
        limit: 4,
        ...(after === undefined ? {} : { after }),
        ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
      });
      ids.push(...page.events.map((e) => e.id));
      if (!page.hasMore) break;
      expect(page.next).toMatch(new RegExp(`^${url}/v2/payments\\?`));
      after = page.next;
    }
    return ids;
  };
  // Each listed payment carries the identity its webhook's fetch gives it: payment id + status + amount refunded.
  expect((await read()).sort()).toEqual(events.map((e) => e.eventId).sort());
  const createdOf = (event: GatewayEvent) => {
    const payment = mollie.fetch?.lookup(paymentIdOf(event) ?? '');
    return Math.floor(Date.parse((JSON.parse(Buffer.from(payment ?? []).toString()) as Listed).createdAt) / 1000);
  };
  const since = [...events.map(createdOf)].sort((a, b) => a - b)[Math.floor(events.length / 2)] ?? 0;
  expect((await read(since)).sort()).toEqual(
    events
      .filter((e) => createdOf(e) >= since)
      .map((e) => e.eventId)
      .sort(),
  );
  await expect(list.list({ limit: 4, after: 'https://attacker.example/v2/payments?from=tr_x' })).rejects.toThrow(
    ListUnavailable,
  );
  const refused = eventListFor('mollie', { gatewayUrl: url, apiKey: 'not-a-key' });
  await expect(refused.list({ limit: 4 })).rejects.toThrow(/refused the API key \(HTTP 401\)/);
});
