import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import type { OrderView } from '../../contracts/probe.js';
import { createProbeClient } from '../../scenarios/probe-client.js';
import { defaultSettle, settledSnapshot } from '../../scenarios/settle.js';

/**
 * The wait before the gauntlet reads a receiver's orders, against a receiver that applies slowly — as the reference
 * receiver on PostgreSQL does after a crash burst, with thousands of events left in its inbox. On a receiver that
 * reports `inboxPending`, the wait lasts as long as that number falls (the fixed 10 s of before read the orders while
 * 58 events were still pending, and the checks called them lost), and one that stops falling is reported as a wait
 * that ran out, with what was pending, so the checks leave the state unjudged. Real HTTP, the settle's time injected.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const ORDER = 'ord_slow_1';
const START_MS = 1_750_000_000_000;

/**
 * A probe on loopback for a receiver with `pendingAt(ms)` events left to apply at the settle's time `ms`: the order
 * is paid once none is left.
 */
async function slowApplier(pendingAt: (ms: number) => number, clock: () => number) {
  const server = createServer((request, response) => {
    const pending = pendingAt(clock());
    response.setHeader('content-type', 'application/json');
    if (request.url?.endsWith('/health')) return void response.end(JSON.stringify({ inboxPending: pending }));
    const paid = pending === 0;
    const view: OrderView = {
      orderId: ORDER,
      status: paid ? 'paid' : 'awaiting_payment',
      amountPaid: paid ? '49.99' : '0.00',
      amountRefunded: '0.00',
      currency: 'USD',
      fulfillments: paid ? 1 : 0,
      refunds: 0,
    };
    response.end(JSON.stringify(view));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return createProbeClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ipn-probe`);
}

function settleOn(clock: ReturnType<typeof manualClock>) {
  // Each poll costs the settle's own time only: thousands of polls take milliseconds of real time.
  return { ...defaultSettle, pollMs: 100, clock, sleep: async (ms: number) => clock.advance(ms) };
}

test('a receiver with 300 events pending that applies one every 100 ms is waited for 30 s, past the 10 s timeout, and read once its inbox is empty', async () => {
  const clock = manualClock(START_MS);
  const probe = await slowApplier((ms) => Math.max(0, 300 - Math.floor((ms - START_MS) / 100)), clock);
  const snapshot = await settledSnapshot(probe, [ORDER], () => false, settleOn(clock));
  expect(snapshot.settledBy).toBe('inbox');
  expect(snapshot.orders[ORDER]).toMatchObject({ status: 'paid', fulfillments: 1 });
  expect(clock() - START_MS).toBeGreaterThanOrEqual(30_000);
  expect(clock() - START_MS).toBeGreaterThan(defaultSettle.timeoutMs);
});

test('a receiver whose inbox stays at 58 pending is given up on after the stall and reported as a wait that ran out, naming what was pending', async () => {
  const clock = manualClock(START_MS);
  // Falls to 58 in the first 2 s, then nothing more is applied.
  const probe = await slowApplier((ms) => Math.max(58, 78 - Math.floor((ms - START_MS) / 100)), clock);
  const snapshot = await settledSnapshot(probe, [ORDER], () => false, settleOn(clock));
  expect(snapshot.settledBy).toBe('timeout');
  expect(snapshot.detail).toMatch(
    /^58 events were still pending in the receiver's inbox after 12 s \(no progress for 10 s\)$/,
  );
  expect(clock() - START_MS).toBeLessThan(defaultSettle.stallMs + 3_000);
});

test('a receiver that keeps applying, however slowly, is waited for at most maxMs in all', async () => {
  const clock = manualClock(START_MS);
  // One event every 5 s (inside the 10 s stall bound), 1,000 of them: it would take 5,000 s.
  const probe = await slowApplier((ms) => Math.max(0, 1_000 - Math.floor((ms - START_MS) / 5_000)), clock);
  const snapshot = await settledSnapshot(probe, [ORDER], () => false, settleOn(clock));
  expect(snapshot.settledBy).toBe('timeout');
  expect(snapshot.detail).toMatch(/^940 events were still pending in the receiver's inbox after 300 s/);
  expect(clock() - START_MS).toBe(defaultSettle.maxMs);
});
