import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { LifecycleFact } from '../../contracts/lifecycle.js';
// The storage thread runs compiled modules: npm test builds dist/ first.
import { openSqliteThread } from '../../dist/receiver/storage/sqlite-thread.js';
import { type OrderProjector, projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { openSqliteStorage } from '../../receiver/storage/sqlite.js';
import type { InboxClaim, ReceiverStorage } from '../../receiver/storage/storage.js';
import { admin, postgresUrl, testSchema } from '../support/postgres.js';
import { NOW_MS, temporaryDbFile } from './receiver-fixture.js';

/** The lifecycle rule, except that it throws once one event is among the facts: an apply that fails on any backend. */
const projectOrThrow: OrderProjector = (terms, facts) => {
  if (facts.some((fact) => fact.eventId === 'evt_throws')) throw new Error(`the projection of ${terms.orderId} failed`);
  return projectOrder(terms, facts);
};

const backends = [
  {
    backend: 'SQLite',
    open: async () => openSqliteStorage({ file: await temporaryDbFile(), projectOrder: projectOrThrow }),
  },
  {
    backend: 'SQLite on its own thread',
    open: async () =>
      openSqliteThread({
        file: await temporaryDbFile(),
        projector: {
          url: new URL('../fixtures/storage-thread-projectors.mjs', import.meta.url).href,
          name: 'projectOrThrow',
        },
      }),
  },
  {
    backend: 'PostgreSQL',
    open: async () =>
      openPostgresStorage({ url: postgresUrl(), schema: await testSchema(), projectOrder: projectOrThrow }),
  },
];

const LEASE_MS = 1_000;

function delivery(eventId: string, receivedAtMs = NOW_MS) {
  return { provider: 'stripe', eventId, body: Buffer.from(`{"id":"${eventId}"}`), headers: {}, receivedAtMs };
}

function paid(eventId: string, orderId: string): LifecycleFact {
  return { eventId, orderId, kind: 'succeeded', amountMinor: 5000, currency: 'USD', occurredAt: NOW_MS / 1000 };
}

const claimOf = (row: InboxClaim): InboxClaim => ({
  provider: row.provider,
  eventId: row.eventId,
  attempt: row.attempt,
});

describe.each(backends)('the $backend storage', ({ open }) => {
  async function storage(): Promise<ReceiverStorage> {
    const opened = await open();
    onTestFinished(() => opened.close());
    return opened;
  }

  test('a second delivery of the same event is reported as a duplicate and stored once', async () => {
    const store = await storage();
    expect(await store.recordDelivery(delivery('evt_1'))).toEqual({ duplicate: false });
    expect(await store.recordDelivery(delivery('evt_1', NOW_MS + 5))).toEqual({ duplicate: true });
    expect(await store.pendingCount()).toBe(1);
  });

  test('20 concurrent deliveries of one event store one row and report 19 duplicates', async () => {
    const store = await storage();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.recordDelivery(delivery('evt_race'))));
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(await store.pendingCount()).toBe(1);
    expect(await store.claimPending(10, NOW_MS, LEASE_MS)).toHaveLength(1);
  });

  test('putOrder creates once, answers unchanged for the same terms and conflict for other terms', async () => {
    const store = await storage();
    const terms = { orderId: 'order-1', amountMinor: 5000, currency: 'USD' };
    expect(await store.putOrder(terms, NOW_MS)).toEqual({ outcome: 'created' });
    expect(await store.putOrder(terms, NOW_MS)).toEqual({ outcome: 'unchanged' });
    expect(await store.putOrder({ ...terms, amountMinor: 7000 }, NOW_MS)).toEqual({
      outcome: 'conflict',
      existing: terms,
    });
    expect(await store.getOrder('order-1')).toMatchObject({ terms, status: 'awaiting_payment', fulfillments: 0 });
  });

  test('concurrent putOrders each get their own outcome: one whose projection throws fails alone', async () => {
    const store = await storage();
    // An event about order-throws arrives before the order: creating the order projects it, and the projection throws.
    await store.recordDelivery(delivery('evt_throws'));
    const [row] = await store.claimPending(1, NOW_MS, LEASE_MS);
    if (row === undefined) throw new Error('expected evt_throws claimed');
    await store.applyFacts([{ claim: claimOf(row), fact: paid('evt_throws', 'order-throws') }], NOW_MS);
    const terms = (orderId: string, amountMinor = 5000) => ({ orderId, amountMinor, currency: 'USD' });
    const outcomes = await Promise.allSettled([
      store.putOrder(terms('order-a'), NOW_MS),
      store.putOrder(terms('order-throws'), NOW_MS),
      store.putOrder(terms('order-a'), NOW_MS),
      store.putOrder(terms('order-a', 7000), NOW_MS),
      store.putOrder(terms('order-b'), NOW_MS),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.outcome : String(o.reason)))).toEqual([
      'created',
      'Error: the projection of order-throws failed',
      'unchanged',
      'conflict',
      'created',
    ]);
    expect(await store.getOrder('order-throws')).toBeNull();
    expect(await store.getOrder('order-b')).toMatchObject({ terms: terms('order-b'), status: 'awaiting_payment' });
  });

  test('a batch applies each row as its own unit: one stale and one failing row leave the others applied', async () => {
    const store = await storage();
    for (const orderId of ['order-a', 'order-throws', 'order-b']) {
      await store.putOrder({ orderId, amountMinor: 5000, currency: 'USD' }, NOW_MS);
    }
    for (const id of ['evt_a', 'evt_stale', 'evt_throws', 'evt_b']) await store.recordDelivery(delivery(id));
    const rows = await store.claimPending(10, NOW_MS, LEASE_MS);
    const claim = (eventId: string) => {
      const row = rows.find((r) => r.eventId === eventId);
      if (row === undefined) throw new Error(`expected ${eventId} claimed`);
      return claimOf(row);
    };
    const outcomes = await store.applyFacts(
      [
        { claim: claim('evt_a'), fact: paid('evt_a', 'order-a') },
        // An attempt older than the claim: the row is not this caller's to settle.
        { claim: { ...claim('evt_stale'), attempt: 0 }, fact: paid('evt_stale', 'order-a') },
        { claim: claim('evt_throws'), fact: paid('evt_throws', 'order-throws') },
        { claim: claim('evt_b'), fact: paid('evt_b', 'order-b') },
      ],
      NOW_MS,
    );
    expect(outcomes.map((o) => (typeof o === 'object' ? String(o.failed) : o))).toEqual([
      'done',
      'stale',
      'Error: the projection of order-throws failed',
      'done',
    ]);
    expect(await store.getOrder('order-a')).toMatchObject({ status: 'paid', fulfillments: 1 });
    expect(await store.getOrder('order-b')).toMatchObject({ status: 'paid', fulfillments: 1 });
    // The failing row changed nothing: its order unpaid, the row still pending (for the worker's recordFailure).
    expect(await store.getOrder('order-throws')).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });
    expect(await store.pendingCount()).toBe(2);
  });

  test('an applied fact moves the order and records its side effect once, whichever comes first', async () => {
    const store = await storage();
    await store.recordDelivery(delivery('evt_paid'));
    const [row] = await store.claimPending(10, NOW_MS, LEASE_MS);
    if (row === undefined) throw new Error('expected a claimed row');
    expect(row.attempt).toBe(1);
    expect(Buffer.from(row.body).toString()).toBe('{"id":"evt_paid"}');
    expect((await store.applyFacts([{ claim: claimOf(row), fact: paid('evt_paid', 'order-2') }], NOW_MS))[0]).toBe(
      'done',
    );
    expect(await store.getOrder('order-2')).toBeNull();

    await store.putOrder({ orderId: 'order-2', amountMinor: 5000, currency: 'USD' }, NOW_MS);
    expect(await store.getOrder('order-2')).toMatchObject({ status: 'paid', amountPaidMinor: 5000, fulfillments: 1 });
    expect(await store.pendingCount()).toBe(0);
  });

  test('two workers claiming at once never hold the same row', async () => {
    const store = await storage();
    for (let i = 0; i < 12; i += 1) await store.recordDelivery(delivery(`evt_${i}`, NOW_MS + i));
    const [a, b] = await Promise.all([
      store.claimPending(7, NOW_MS, LEASE_MS),
      store.claimPending(7, NOW_MS, LEASE_MS),
    ]);
    const ids = [...(a ?? []), ...(b ?? [])].map((row) => row.eventId);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(await store.claimPending(7, NOW_MS + LEASE_MS - 1, LEASE_MS)).toEqual([]);
  });

  test('claims come oldest first and a row whose lease ran out is claimed again with the next attempt', async () => {
    const store = await storage();
    await store.recordDelivery(delivery('evt_late', NOW_MS + 10));
    await store.recordDelivery(delivery('evt_early', NOW_MS));
    const first = await store.claimPending(10, NOW_MS, LEASE_MS);
    expect(first.map((row) => [row.eventId, row.attempt])).toEqual([
      ['evt_early', 1],
      ['evt_late', 1],
    ]);
    const again = await store.claimPending(10, NOW_MS + LEASE_MS, LEASE_MS);
    expect(again.map((row) => [row.eventId, row.attempt])).toEqual([
      ['evt_early', 2],
      ['evt_late', 2],
    ]);
  });

  test("a stale worker's apply, failure and dead letter after its row was claimed again answer 'stale' and change nothing", async () => {
    const store = await storage();
    await store.putOrder({ orderId: 'order-3', amountMinor: 5000, currency: 'USD' }, NOW_MS);
    await store.recordDelivery(delivery('evt_stale'));
    const [old] = await store.claimPending(1, NOW_MS, LEASE_MS);
    const [fresh] = await store.claimPending(1, NOW_MS + LEASE_MS, LEASE_MS);
    if (old === undefined || fresh === undefined) throw new Error('expected two claims of the row');
    expect(fresh.attempt).toBe(old.attempt + 1);

    const failure = { error: 'boom', maxAttempts: 1, atMs: NOW_MS, retryAtMs: NOW_MS };
    expect((await store.applyFacts([{ claim: claimOf(old), fact: paid('evt_stale', 'order-3') }], NOW_MS))[0]).toBe(
      'stale',
    );
    expect(await store.recordFailure(claimOf(old), failure)).toBe('stale');
    expect(await store.deadLetter(claimOf(old), 'stale worker', NOW_MS)).toBe('stale');
    await store.release([claimOf(old)]);
    expect(await store.getOrder('order-3')).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });
    expect(await store.pendingCount()).toBe(1);
    // The old release did not end the newer lease either.
    expect(await store.claimPending(1, NOW_MS + LEASE_MS, LEASE_MS)).toEqual([]);

    expect((await store.applyFacts([{ claim: claimOf(fresh), fact: paid('evt_stale', 'order-3') }], NOW_MS))[0]).toBe(
      'done',
    );
    expect(await store.getOrder('order-3')).toMatchObject({ status: 'paid', fulfillments: 1 });
    expect((await store.applyFacts([{ claim: claimOf(fresh), fact: paid('evt_stale', 'order-3') }], NOW_MS))[0]).toBe(
      'stale',
    );
  });

  test('a failed attempt waits for its backoff, and the last allowed attempt moves the row to dead letters', async () => {
    const store = await storage();
    await store.recordDelivery(delivery('evt_poison'));
    const failure = (atMs: number) => ({ error: 'cannot apply', maxAttempts: 2, atMs, retryAtMs: atMs + 500 });

    const [first] = await store.claimPending(1, NOW_MS, LEASE_MS);
    if (first === undefined) throw new Error('expected a claim');
    expect(await store.recordFailure(claimOf(first), failure(NOW_MS))).toBe('retry');
    expect(await store.claimPending(1, NOW_MS + 499, LEASE_MS)).toEqual([]);

    const [second] = await store.claimPending(1, NOW_MS + 500, LEASE_MS);
    if (second === undefined) throw new Error('expected a second claim after the backoff');
    expect(second.attempt).toBe(2);
    expect(await store.recordFailure(claimOf(second), failure(NOW_MS + 500))).toBe('dead');
    expect(await store.pendingCount()).toBe(0);
    expect(await store.claimPending(1, NOW_MS + 60_000, LEASE_MS)).toEqual([]);
  });

  test('a released claim is claimable at once, as the next attempt', async () => {
    const store = await storage();
    await store.recordDelivery(delivery('evt_released'));
    const [held] = await store.claimPending(1, NOW_MS, LEASE_MS);
    if (held === undefined) throw new Error('expected a claim');
    await store.release([claimOf(held)]);
    const [again] = await store.claimPending(1, NOW_MS, LEASE_MS);
    expect(again?.attempt).toBe(2);
  });

  test('deadLetter moves a claimed row out of the inbox at once', async () => {
    const store = await storage();
    await store.recordDelivery(delivery('evt_unusable'));
    await store.recordDeadLetter({ ...delivery('evt_unsigned_shape'), reason: 'no event id' });
    const [row] = await store.claimPending(1, NOW_MS, LEASE_MS);
    if (row === undefined) throw new Error('expected a claim');
    expect(await store.deadLetter(claimOf(row), 'unknown event type', NOW_MS)).toBe('dead');
    expect(await store.pendingCount()).toBe(0);
    expect(await store.recordDelivery(delivery('evt_unusable'))).toEqual({ duplicate: true });
  });
});

describe('two PostgreSQL workers on one schema', () => {
  test('batches naming two orders in opposite orders, both waiting on one of them, apply every row without a deadlock', async () => {
    const schema = await testSchema();
    const [first, second] = await Promise.all(
      [0, 1].map(() => openPostgresStorage({ url: postgresUrl(), schema, projectOrder })),
    );
    if (first === undefined || second === undefined) throw new Error('expected two storages');
    onTestFinished(() => Promise.all([first.close(), second.close()]).then(() => undefined));
    // The two orders by their advisory lock keys: `low` is locked first by a worker that sorts, `high` second.
    const { rows } = await admin(`SELECT id FROM unnest($1::text[]) AS id ORDER BY hashtextextended(id, 0)`, [
      ['order-x', 'order-y'],
    ]);
    const [low, high] = rows.map((row: { id: string }) => row.id);
    if (low === undefined || high === undefined) throw new Error('expected two order ids');
    for (const orderId of [low, high]) await first.putOrder({ orderId, amountMinor: 5000, currency: 'USD' }, NOW_MS);
    // Another session holds `high`'s lock: both batches start and wait on it; a worker that took its orders in the order
    // given would hold `high` while the other holds `low`, each waiting on the other.
    const blocker = new pg.Client({ connectionString: postgresUrl() });
    await blocker.connect();
    onTestFinished(() => blocker.end());
    const outcomes: unknown[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (let i = 0; i < 4; i += 1) await first.recordDelivery(delivery(`evt_${round}_${i}`));
      const mine = await first.claimPending(2, NOW_MS, LEASE_MS);
      const theirs = await second.claimPending(2, NOW_MS, LEASE_MS);
      const facts = (claimed: readonly InboxClaim[], orderIds: readonly string[]) =>
        claimed.map((row, i) => ({ claim: claimOf(row), fact: paid(row.eventId, orderIds[i] ?? '') }));
      await blocker.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [high]);
      const both = Promise.all([
        first.applyFacts(facts(mine, [low, high]), NOW_MS),
        second.applyFacts(facts(theirs, [high, low]), NOW_MS),
      ]);
      await delay(150);
      await blocker.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [high]);
      outcomes.push(...(await both).flat());
    }
    expect(outcomes).toEqual(Array.from({ length: 16 }, () => 'done'));
    expect(await first.pendingCount()).toBe(0);
  });
});
