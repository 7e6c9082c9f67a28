import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { fetch } from 'undici';
import { describe, expect, onTestFinished, test } from 'vitest';
import { manualClock, systemClock } from '../../contracts/clock.js';
import { isIpnError } from '../../contracts/errors.js';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver, type ReceiverOptions } from '../../receiver/app.js';
import { projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import type { ReceiverStorage } from '../../receiver/storage/storage.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';
import { gauntletAgainst } from '../support/gauntlet.js';
import { listenOnLoopback } from '../support/listen.js';
import { admin, postgresUrl, testSchema } from '../support/postgres.js';
import { probeHeaders, testProbe } from '../support/probe-token.js';
import { tcpProxy } from '../support/tcp-proxy.js';
import { NOW_MS, NOW_SECONDS, PUBLIC_URL, secrets, step } from './receiver-fixture.js';

const stripe = providers.stripe;
const stripeOnly = { stripe: secrets.stripe };

/** A receiver on the run's PostgreSQL server, listening on loopback; closed when the test ends. */
async function pgReceiver(schema: string, overrides: Partial<ReceiverOptions> = {}) {
  const app = await buildReceiver({
    secrets: stripeOnly,
    databaseUrl: postgresUrl(),
    schema,
    clock: manualClock(NOW_MS),
    retryBackoffMs: 0,
    publicUrl: PUBLIC_URL,
    ...testProbe,
    ...overrides,
  });
  onTestFinished(() => app.close());
  return { app, base: await listenOnLoopback(app) };
}

/** Signs a Stripe event for an order's payment once; the same bytes and headers can then be delivered many times. */
function paidEvent(orderId: string) {
  const { event, eventId } = stripe.buildEvent(step(orderId, 'succeeded'));
  const request = signedRequest(stripe, {
    body: stripe.encode(event),
    eventId,
    secrets: [secrets.stripe],
    timestamp: NOW_SECONDS,
  });
  return { eventId, request };
}

async function post(base: string, request: ReturnType<typeof paidEvent>['request']) {
  const response = await fetch(`${base}/webhooks/${stripe.route}`, {
    method: 'POST',
    headers: request.headers as Record<string, string>,
    body: Buffer.from(request.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function putOrder(base: string, orderId: string) {
  const response = await fetch(`${base}/ipn-probe/orders/${orderId}`, {
    method: 'PUT',
    headers: { ...probeHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: '50.00', currency: 'USD' }),
  });
  expect(response.status).toBe(201);
}

/**
 * Delivers each order's payment event `copies` times at once, alternating between the receivers, and answers how many
 * of each event's deliveries were acknowledged as new: a receiver that dedupes correctly acknowledges exactly one.
 */
async function deliverDuplicatesAcross(bases: readonly string[], orderIds: readonly string[], copies: number) {
  const events = orderIds.map(paidEvent);
  const answers = await Promise.all(
    events.flatMap(({ eventId, request }) =>
      Array.from({ length: copies }, async (_, copy) => {
        const answer = await post(bases[copy % bases.length] as string, request);
        expect(answer.status).toBe(200);
        return { eventId, isNew: answer.body.duplicate === false };
      }),
    ),
  );
  return events.map(({ eventId }) => answers.filter((a) => a.eventId === eventId && a.isNew).length);
}

/**
 * The planted flaw: dedupe by a check before the insert, outside the insert's transaction, trusting the check. Two
 * receivers (or two requests) that check at the same time both see nothing and both treat the event as new.
 */
function checkThenInsert(schema: string) {
  return (storage: ReceiverStorage): ReceiverStorage => ({
    ...storage,
    async recordDelivery(delivery) {
      const seen = await admin(`SELECT 1 FROM ${schema}.inbox WHERE provider = $1 AND event_id = $2`, [
        delivery.provider,
        delivery.eventId,
      ]);
      if (seen.rowCount !== 0) return { duplicate: true };
      await delay(25); // the work a handler does between its check and its insert
      await storage.recordDelivery(delivery);
      return { duplicate: false };
    },
  });
}

describe('two receivers on one PostgreSQL schema', () => {
  test('concurrent duplicates spread across both are acknowledged as new once and applied once', async () => {
    const schema = await testSchema();
    const a = await pgReceiver(schema);
    const b = await pgReceiver(schema);
    const orderIds = ['order-a', 'order-b', 'order-c', 'order-d'];
    for (const orderId of orderIds) await putOrder(a.base, orderId);

    expect(await deliverDuplicatesAcross([a.base, b.base], orderIds, 8)).toEqual([1, 1, 1, 1]);
    await Promise.all([a.app.inbox.drain(), b.app.inbox.drain()]);

    for (const orderId of orderIds) {
      const order = await (await fetch(`${b.base}/ipn-probe/orders/${orderId}`, { headers: probeHeaders })).json();
      expect(order).toMatchObject({ status: 'paid', fulfillments: 1 });
    }
    const stored = await admin(
      `SELECT (SELECT count(*) FROM ${schema}.inbox WHERE state = 'done') AS done,
              (SELECT count(*) FROM ${schema}.facts) AS facts, (SELECT count(*) FROM ${schema}.effects) AS effects`,
    );
    expect(stored.rows[0]).toEqual({ done: '4', facts: '4', effects: '4' });
  });

  test('the same check fails two receivers whose storage checks for a duplicate before inserting', async () => {
    const schema = await testSchema();
    const a = await pgReceiver(schema, { wrapStorage: checkThenInsert(schema) });
    const b = await pgReceiver(schema, { wrapStorage: checkThenInsert(schema) });
    const acknowledgedAsNew = await deliverDuplicatesAcross([a.base, b.base], ['order-x', 'order-y'], 8);
    expect(acknowledgedAsNew.some((count) => count > 1)).toBe(true);
  });

  test("both receivers' workers share one backlog and apply every event exactly once", async () => {
    const schema = await testSchema();
    const applied = new Map<string, number>();
    const counting = (storage: ReceiverStorage): ReceiverStorage => ({
      ...storage,
      async applyFacts(items, atMs) {
        const outcomes = await storage.applyFacts(items, atMs);
        for (const [index, { claim }] of items.entries()) {
          if (outcomes[index] === 'done') applied.set(claim.eventId, (applied.get(claim.eventId) ?? 0) + 1);
        }
        return outcomes;
      },
    });
    const a = await pgReceiver(schema, { wrapStorage: counting, pollIntervalMs: 5 });
    const b = await pgReceiver(schema, { wrapStorage: counting, pollIntervalMs: 5 });
    const orderIds = Array.from({ length: 30 }, (_, i) => `order-${i}`);
    expect(await deliverDuplicatesAcross([a.base, b.base], orderIds, 2)).toEqual(orderIds.map(() => 1));
    await Promise.all([a.app.inbox.drain(), b.app.inbox.drain()]);

    expect(applied.size).toBe(30);
    expect([...applied.values()].every((count) => count === 1)).toBe(true);
  });
});

describe('a receiver on PostgreSQL', () => {
  test("takes over the claims of a receiver whose session ended at once, and never a live receiver's", async () => {
    const schema = await testSchema();
    const open = () => openPostgresStorage({ url: postgresUrl(), schema, projectOrder });
    const [first, second] = [await open(), await open()];
    onTestFinished(() => second.close());
    const delivery = { provider: 'stripe', eventId: 'evt_held', body: Buffer.from('{}'), headers: {}, receivedAtMs: 0 };
    await first.recordDelivery(delivery);
    expect(await first.claimPending(1, NOW_MS, 60_000)).toHaveLength(1);
    expect(await second.claimPending(1, NOW_MS, 60_000)).toEqual([]);

    await first.close(); // its process is gone: the session, and the advisory lock naming it, ended
    const [taken] = await second.claimPending(1, NOW_MS, 60_000);
    expect(taken).toMatchObject({ eventId: 'evt_held', attempt: 2 });
    const claim = { provider: 'stripe', eventId: 'evt_held', attempt: 2 };
    expect(await second.applyFacts([{ claim, fact: null }], NOW_MS)).toEqual(['done']);
  });

  test('passes the whole gauntlet', async () => {
    const { base } = await pgReceiver(await testSchema(), { clock: systemClock });
    const report = await gauntletAgainst(base, 'stripe', secrets.stripe);
    const failures = report.results.filter((r) => r.status === 'fail').map((r) => `${r.guarantee}: ${r.summary}`);
    expect(failures).toEqual([]);
    expect(report.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(0);
  });

  test('answers 503 with an error code while the database is unreachable, and stores the retry once it is back', async () => {
    const target = new URL(postgresUrl());
    const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    onTestFinished(() => proxy.close());
    const proxied = new URL(target);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const { app, base } = await pgReceiver(await testSchema(), { databaseUrl: proxied.toString() });
    const { request } = paidEvent('order-outage');

    await proxy.cut();
    const during = await post(base, request);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE' });

    await proxy.restore();
    expect(await post(base, request)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(await app.inbox.pending()).toBeLessThanOrEqual(1);
  });

  test('refuses to start when the database is unreachable, naming the URL without its password', async () => {
    const proxy = await tcpProxy({ host: '127.0.0.1', port: 9 });
    await proxy.close();
    const url = `postgres://receiver:s3cret-pass@127.0.0.1:${proxy.port}/payments`;
    const error = await buildReceiver({ secrets: stripeOnly, databaseUrl: url }).then(
      async (app: FastifyInstance) => {
        await app.close();
        throw new Error('expected the receiver to refuse to start');
      },
      (caught: unknown) => caught,
    );
    if (!isIpnError(error)) throw error;
    expect(error.code).toBe('IPN_ERR_STORAGE');
    expect(error.message).toContain(`postgres://receiver:***@127.0.0.1:${proxy.port}/payments`);
    expect(error.message).not.toContain('s3cret-pass');
  });

  test('the receiver command uses PostgreSQL when DATABASE_URL is set', async () => {
    const schema = await testSchema();
    const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(1));
    const { io, captured } = fakeIo({
      STRIPE_WEBHOOK_SECRET: secret,
      LOG_LEVEL: 'silent',
      DATABASE_URL: postgresUrl(),
    });
    expect(await main(['receiver', '--port', '0', '--schema', schema], io)).toBe(0);
    expect(captured.err).toContain('listening at http://127.0.0.1:');
    const tables = await admin('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    expect(tables.rows.map((row: { table_name: string }) => row.table_name)).toContain('inbox');
  });

  test('the receiver command refuses DATABASE_URL together with --db', async () => {
    const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(1));
    const { io, captured } = fakeIo({ STRIPE_WEBHOOK_SECRET: secret, DATABASE_URL: postgresUrl() });
    expect(await main(['receiver', '--port', '0', '--db', 'receiver.db'], io)).toBe(2);
    expect(captured.err).toContain('IPN_ERR_USAGE');
  });
});
