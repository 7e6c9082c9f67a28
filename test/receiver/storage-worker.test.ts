import { expect, test } from 'vitest';
import { isIpnError } from '../../contracts/errors.js';
import { providers } from '../../contracts/providers/index.js';
import { StorageUnavailableError } from '../../receiver/storage/storage-unavailable.js';
import {
  deliver,
  getOrder,
  insertUnreadableRow,
  putOrder,
  readTables,
  receiverFixture,
  step,
} from './receiver-fixture.js';

test('the worker waits a doubling backoff on the injected clock between failed attempts, then dead-letters', async () => {
  const { app, dbFile, clock } = await receiverFixture({ maxAttempts: 3, retryBackoffMs: 1_000, drainTimeoutMs: 50 });
  await app.ready();
  insertUnreadableRow(dbFile, 'evt_orphan');
  const drainError = async () => {
    const error = await app.inbox.drain().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!isIpnError(error)) throw new Error(`expected drain to give up on a row backing off, got ${String(error)}`);
    return error;
  };
  const attempts = () => readTables(dbFile).inbox[0]?.attempts;

  expect((await drainError()).hint).toContain('backoff');
  expect(attempts()).toBe(1);
  clock.advance(999);
  await drainError();
  expect(attempts()).toBe(1);
  clock.advance(1);
  await drainError();
  expect(attempts()).toBe(2);
  clock.advance(1_999);
  await drainError();
  expect(attempts()).toBe(2);
  clock.advance(1);
  await app.inbox.drain();
  expect(readTables(dbFile).inbox).toMatchObject([{ state: 'dead', attempts: 3 }]);
});

test('an unavailable database is no failed attempt: the worker stops the pass and the event is applied later', async () => {
  let outages = 1;
  const { app, dbFile } = await receiverFixture({
    maxAttempts: 1,
    wrapStorage: (storage) => ({
      ...storage,
      async applyFacts(items, atMs) {
        if (outages > 0) {
          outages -= 1;
          throw new StorageUnavailableError('applying an event', new Error('connection reset'));
        }
        return storage.applyFacts(items, atMs);
      },
    }),
  });
  await putOrder(app, 'order-outage');
  await deliver(app, providers.stripe, step('order-outage', 'succeeded'));

  // The worker's own pass or this drain meets the outage (and rejects with it); the next drain applies the event.
  await app.inbox.drain().catch((error: unknown) => expect(error).toBeInstanceOf(StorageUnavailableError));
  await app.inbox.drain();
  expect(outages).toBe(0);
  expect((await getOrder(app, 'order-outage')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
  expect(readTables(dbFile).deadLetters).toEqual([]);
});

test('claims a pass could not release while the database was down are released at the next pass, not at their lease', async () => {
  let outage = true;
  const down = (what: string) => new StorageUnavailableError(what, new Error('connection refused'));
  const { app, dbFile } = await receiverFixture({
    leaseMs: 60_000,
    drainTimeoutMs: 200,
    wrapStorage: (storage) => ({
      ...storage,
      async applyFacts(items, atMs) {
        if (outage) throw down('applying an event');
        return storage.applyFacts(items, atMs);
      },
      async release(claims) {
        if (outage) throw down('releasing claims');
        return storage.release(claims);
      },
    }),
  });
  await putOrder(app, 'order-unreleased');
  await deliver(app, providers.stripe, step('order-unreleased', 'succeeded'));
  await app.inbox.drain().catch((error: unknown) => expect(error).toBeInstanceOf(StorageUnavailableError));
  expect(readTables(dbFile).inbox).toMatchObject([{ state: 'pending', attempts: 1 }]);

  // The database is back; the injected clock has not moved, so the 60 s lease has not ended.
  outage = false;
  await app.inbox.drain();
  expect(readTables(dbFile).inbox).toMatchObject([{ state: 'done', attempts: 2, last_error: null }]);
  expect((await getOrder(app, 'order-unreleased')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
});

test('the worker applies a claimed batch in one call, and a row it cannot read in it is a failed attempt of its own', async () => {
  let held = true;
  const calls: number[] = [];
  const { app, dbFile } = await receiverFixture({
    maxAttempts: 3,
    retryBackoffMs: 60_000,
    drainTimeoutMs: 50,
    wrapStorage: (storage) => ({
      ...storage,
      // Nothing is claimed until the test lets go, so every delivery below is pending when the worker first claims.
      claimPending: async (limit, atMs, leaseMs) => (held ? [] : storage.claimPending(limit, atMs, leaseMs)),
      async applyFacts(items, atMs) {
        calls.push(items.length);
        return storage.applyFacts(items, atMs);
      },
    }),
  });
  const orders = Array.from({ length: 8 }, (_, i) => `order-batch-${i}`);
  for (const orderId of orders) await putOrder(app, orderId);
  for (const orderId of orders) await deliver(app, providers.stripe, step(orderId, 'succeeded'));
  insertUnreadableRow(dbFile, 'evt_unreadable');
  held = false;
  // The unreadable row backs off for a minute on the injected clock: drain gives up on it, after the batch.
  await app.inbox.drain().catch(() => undefined);

  expect(calls).toEqual([8]);
  for (const orderId of orders) {
    expect((await getOrder(app, orderId)).body).toMatchObject({ status: 'paid', fulfillments: 1 });
  }
  expect(readTables(dbFile).inbox.find((row) => row.event_id === 'evt_unreadable')).toMatchObject({
    state: 'pending',
    attempts: 1,
  });
});
