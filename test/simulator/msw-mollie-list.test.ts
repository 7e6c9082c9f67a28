import { createMollieClient } from '@mollie/api-client';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { eventsOf } from '../../simulator/events.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger, gatewayHandlers } from '../../simulator/msw/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';

/**
 * The official Mollie SDK (`@mollie/api-client`) against the fake gateway's payment list, in-process: the SDK speaks
 * only HTTPS to the hosts its bundled CAs vouch for, so it reads https://api.mollie.com/v2/ and the msw handlers answer
 * there, from the same endpoints the gateway server serves. Nothing leaves the process (unhandled requests fail).
 */
const mollie = providers.mollie;
const API_KEY = mollie.secret.generate(new Uint8Array(32).fill(9));
const world = createWorld({ random: createRandom(8).fork('world'), runId: 'ms', startSeconds: 1_800_000_000 });
// More payments than the SDK asks for in one page (128), so its iteration has to follow a next link.
const kinds = ['paid', 'refunded-in-two-parts', 'failed-then-paid', 'partially-refunded'] as const;
const events = Array.from({ length: 60 }, (_, i) => world.order(kinds[i % kinds.length] ?? 'paid')).flatMap((order) =>
  eventsOf(mollie, order),
);
const ledger = createGatewayLedger();
for (const event of events) ledger.record(mollie, event.body);
const monitor = new GatewayMonitor();
const server = setupServer(...gatewayHandlers({ seed: 8, providers: ['mollie'], ledger, apiKeys: [API_KEY], monitor }));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const paymentIdOf = (body: Uint8Array) => new URLSearchParams(Buffer.from(body).toString('utf8')).get('id') ?? '';

test('payments.iterate() pages through every payment the run issued, newest first, following the next links', async () => {
  const client = createMollieClient({ apiKey: API_KEY });
  const seen: { id: string; createdAt: string }[] = [];
  const before = monitor.calls().length;
  for await (const payment of client.payments.iterate()) seen.push({ id: payment.id, createdAt: payment.createdAt });
  expect(events.length).toBeGreaterThan(128);
  // Two pages at least: the second one asked for by the first one's next link (`from=` the payment it starts with).
  const pages = monitor.calls().slice(before);
  expect(pages.length).toBe(Math.ceil(events.length / 128));
  expect(pages[1]?.path).toMatch(/^\/v2\/payments\?.*from=tr_/);
  expect(seen.map((p) => p.id).sort()).toEqual(events.map((e) => paymentIdOf(e.body)).sort());
  const times = seen.map((p) => Date.parse(p.createdAt));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
});

test('payments.page() and its nextPage() split the list without overlap; a listed payment is what payments.get() answers', async () => {
  const client = createMollieClient({ apiKey: API_KEY });
  const first = await client.payments.page({ limit: 5 });
  expect(first.length).toBe(5);
  expect(first.nextPageCursor).toBeDefined();
  const second = await first.nextPage?.();
  const ids = [...first, ...(second ?? [])].map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(Math.min(10, events.length));
  const listed = first[0];
  if (listed === undefined) throw new Error('an empty first page');
  const fetched = await client.payments.get(listed.id);
  expect({ status: fetched.status, amount: fetched.amount, metadata: fetched.metadata }).toEqual({
    status: listed.status,
    amount: listed.amount,
    metadata: listed.metadata,
  });
});

test('a key the gateway was not given is refused as Mollie refuses it, and the SDK raises its ApiError', async () => {
  const client = createMollieClient({ apiKey: mollie.secret.generate(new Uint8Array(32).fill(10)) });
  await expect(client.payments.page({ limit: 5 })).rejects.toMatchObject({ statusCode: 401 });
});
