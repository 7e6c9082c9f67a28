import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { createHttpDeliverer } from '../../simulator/delivery/http.js';
import { eventsOf } from '../../simulator/events.js';
import { concurrentCopies } from '../../simulator/faults/duplicate.js';
import { DeliveryHistory } from '../../simulator/history.js';
import { createSigningContext, deliveryOf } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A plain node:http server that holds every request until `holdMs` passed, counting how many were in flight at once. */
async function countingServer(answer: (body: string) => number, holdMs: number) {
  const seen = { inFlight: 0, maxInFlight: 0, bodies: [] as string[], headers: [] as Record<string, unknown>[] };
  const server = createServer((req, res) => {
    seen.inFlight += 1;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      seen.bodies.push(body);
      seen.headers.push(req.headers);
      setTimeout(() => {
        seen.inFlight -= 1;
        res.statusCode = answer(body);
        res.end('{"ok":true}');
      }, holdMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

function fixtures() {
  const provider = providers.stripe;
  const random = createRandom(1);
  const signing = createSigningContext({
    provider,
    secret: 'whsec_x',
    random,
    nowSeconds: () => Math.floor(systemClock() / 1000),
  });
  const world = createWorld({ random, runId: 'h', startSeconds: 1_800_000_000 });
  const event = eventsOf(provider, world.order('paid')).at(-1);
  if (event === undefined) throw new Error('paid order has events');
  return { signing, event };
}

test('concurrent copies are all in flight at once and each attempt is recorded with its answer', async () => {
  const { url, seen } = await countingServer(() => 200, 150);
  const { signing, event } = fixtures();
  const history = new DeliveryHistory();
  const deliverer = createHttpDeliverer({
    target: url,
    timeoutMs: 5_000,
    connections: 16,
    clock: systemClock,
    history,
  });
  const [step = []] = concurrentCopies(signing, event, 6);
  const attempts = await deliverer.deliverStep(step);
  await deliverer.close();
  expect(seen.maxInFlight).toBe(6);
  expect(attempts.map((a) => a.outcome)).toEqual(Array(6).fill('ok'));
  expect(history.all()).toHaveLength(6);
  expect(new Set(seen.bodies)).toEqual(new Set([new TextDecoder().decode(event.body)]));
  expect(seen.headers[0]?.['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
});

test('answers are classified: 2xx ok, 4xx fail, 5xx and timeouts info', async () => {
  const codes = [200, 400, 503];
  let next = 0;
  const { url } = await countingServer(() => codes[next++] ?? 200, 0);
  const { signing, event } = fixtures();
  const history = new DeliveryHistory();
  const deliverer = createHttpDeliverer({ target: url, timeoutMs: 5_000, connections: 1, clock: systemClock, history });
  for (let i = 0; i < codes.length; i += 1) await deliverer.deliverStep([deliveryOf(signing, event)]);
  await deliverer.close();
  expect(history.all().map((a) => [a.statusCode, a.outcome])).toEqual([
    [200, 'ok'],
    [400, 'fail'],
    [503, 'info'],
  ]);

  const slow = await countingServer(() => 200, 1_000);
  const impatient = createHttpDeliverer({
    target: slow.url,
    timeoutMs: 100,
    connections: 1,
    clock: systemClock,
    history,
  });
  const [timedOut] = await impatient.deliverStep([deliveryOf(signing, event)]);
  await impatient.close();
  expect(timedOut).toMatchObject({ statusCode: null, outcome: 'info' });
  expect(timedOut?.detail).toMatch(/timeout/i);
});
