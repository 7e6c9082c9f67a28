import { afterEach, describe, expect, test } from 'vitest';
import { manualClock, unixSeconds } from '../../contracts/clock.js';
import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { readHeader } from '../../contracts/wire.js';
import { runBurst } from '../../scenarios/burst.js';
import { idemAfterTimeout } from '../../scenarios/catalog/after-timeout.js';
import { defaultChaos } from '../../scenarios/define.js';
import { createReceiverProcess } from '../../scenarios/process/receiver-process.js';
import { createHttpDeliverer } from '../../simulator/delivery/http.js';
import { eventsOf } from '../../simulator/events.js';
import { type Attempt, DeliveryHistory } from '../../simulator/history.js';
import { createSigningContext } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { asWire, loopbackReceiver, type Received } from './loopback-receiver.js';

const T0 = 1_800_000_000_000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Stripe signs a timestamp per attempt; Shopify sends a delivery id (`X-Shopify-Webhook-Id`) a retry must keep. */
const retried = [
  { provider: providers.stripe, deliveryIdHeader: null },
  { provider: providers.shopify, deliveryIdHeader: 'x-shopify-webhook-id' },
];

function setup(provider: Provider, clock: () => number) {
  const random = createRandom(31);
  const secret = provider.secret.generate(random.fork('secret').bytes(32));
  const signing = createSigningContext({
    provider,
    secret,
    random: random.fork('signing'),
    nowSeconds: () => unixSeconds(clock),
  });
  const world = createWorld({ random: random.fork('world'), runId: 'rty', startSeconds: unixSeconds(clock) - 3_600 });
  return { secret, signing, world, random };
}

/** The attempts of each delivery id, in the order they were made. */
function byDelivery(attempts: readonly Attempt[]): Attempt[][] {
  const groups = new Map<string, Attempt[]>();
  for (const attempt of attempts) groups.set(attempt.deliveryId, [...(groups.get(attempt.deliveryId) ?? []), attempt]);
  return [...groups.values()];
}

/** What the receiver got for one event: each request's signature and delivery-id headers, and its verdict. */
function wireOf(provider: Provider, secret: string, requests: readonly Received[], deliveryIdHeader: string | null) {
  return requests.map((request) => ({
    signature: provider.signatureHeaders.map((name) => String(readHeader(request.headers, name))).join(),
    deliveryId: deliveryIdHeader === null ? null : readHeader(request.headers, deliveryIdHeader),
    ok: provider.verify({ ...asWire(request), secret, nowSeconds: request.receivedAt }).ok,
  }));
}

describe.each(retried)('$provider.title retries', ({ provider, deliveryIdHeader }) => {
  test("a burst's retries after no answer are attempts 2 and 3 of the same delivery id, each signed anew and verifying", async () => {
    const clock = manualClock(T0);
    const { secret, signing, world } = setup(provider, clock);
    const events = [world.order('paid'), world.order('paid')].flatMap((order) => eventsOf(provider, order));
    const seen = new Map<string, number>();
    // Every event is answered 503 twice (the gateway retries), then 200.
    const receiver = await loopbackReceiver({
      clock,
      answer: (request) => {
        const key = request.body.toString('base64');
        seen.set(key, (seen.get(key) ?? 0) + 1);
        return (seen.get(key) ?? 0) <= 2 ? 503 : 200;
      },
    });
    closers.push(receiver.close);
    const history = new DeliveryHistory();
    const deliverer = createHttpDeliverer({ target: receiver.url, timeoutMs: 5_000, connections: 4, clock, history });
    closers.push(() => deliverer.close());

    await runBurst(
      { events, kills: [], restartBeforeCheck: false },
      {
        deliverer,
        history,
        signing,
        // No kill is planned, so the receiver process is never started.
        process: createReceiverProcess({ command: 'true', readyUrl: receiver.url }),
        concurrency: 2,
        retryScheduleSeconds: provider.retryScheduleSeconds,
        timeScale: 1,
        // The gateway's wait between attempts passes on the test's clock, at once.
        sleep: async (ms) => {
          clock.advance(ms);
          await new Promise((resolve) => setImmediate(resolve));
        },
      },
    );

    const groups = byDelivery(history.all());
    expect(groups).toHaveLength(events.length);
    for (const group of groups) {
      expect(group.map((a) => [a.attempt, a.statusCode])).toEqual([
        [1, 503],
        [2, 503],
        [3, 200],
      ]);
      expect(group.map((a) => a.fault?.detail.split(',')[0] ?? null)).toEqual([null, 'retry 1', 'retry 2']);
      expect(new Set(group.map((a) => a.eventId)).size).toBe(1);
    }
    for (const event of events) {
      const requests = receiver.received.filter((r) => r.body.equals(Buffer.from(event.body)));
      const wire = wireOf(provider, secret, requests, deliveryIdHeader);
      expect(wire.map((w) => w.ok)).toEqual([true, true, true]);
      // A signed timestamp makes each attempt's signature new; a delivery-id header is the same on every attempt.
      expect(new Set(wire.map((w) => w.signature)).size).toBe(provider.tolerance === null ? 1 : 3);
      expect(wire.map((w) => w.deliveryId)).toEqual(wire.map(() => wire[0]?.deliveryId));
      if (deliveryIdHeader !== null) expect(wire[0]?.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('idem.after-timeout retries each delivery the gateway gave up on as its attempt 2, signed anew and verifying', async () => {
    const clock = manualClock(T0);
    const { secret, signing, world, random } = setup(provider, clock);
    const plan = idemAfterTimeout.plan({
      provider,
      world,
      signing,
      random: random.fork('faults'),
      chaos: defaultChaos,
    });
    const steps = plan.phases.flatMap((phase) => phase.steps);
    // The first attempt of each delivery is answered after the gateway stopped waiting; each answer takes 1 s.
    const seen = new Set<string>();
    const receiver = await loopbackReceiver({
      clock,
      holdMs: (request) => {
        const key = request.body.toString('base64');
        const first = !seen.has(key);
        seen.add(key);
        return first ? 150 : 0;
      },
      onReceived: () => clock.advance(1_000),
    });
    closers.push(receiver.close);
    const history = new DeliveryHistory();
    const deliverer = createHttpDeliverer({ target: receiver.url, timeoutMs: 5_000, connections: 4, clock, history });
    closers.push(() => deliverer.close());
    for (const step of steps) await deliverer.deliverStep(step);

    const groups = byDelivery(history.all());
    expect(groups.length).toBe(steps.length / 2);
    for (const group of groups) {
      expect(group.map((a) => [a.attempt, a.fault?.kind, a.expect, a.outcome])).toEqual([
        [1, 'timed-out', 'abandoned', 'info'],
        [2, 'duplicate', 'accept', 'ok'],
      ]);
    }
    const events = plan.phases.flatMap((phase) => phase.applied);
    expect(events).toHaveLength(groups.length);
    for (const event of events) {
      const requests = receiver.received.filter((r) => r.body.equals(Buffer.from(event.body)));
      const wire = wireOf(provider, secret, requests, deliveryIdHeader);
      expect(wire.map((w) => w.ok)).toEqual([true, true]);
      expect(wire[1]?.signature !== wire[0]?.signature).toBe(provider.tolerance !== null);
      expect(wire[1]?.deliveryId).toEqual(wire[0]?.deliveryId);
    }
  });
});
