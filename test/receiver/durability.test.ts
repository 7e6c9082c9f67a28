import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import {
  deliver,
  getOrder,
  insertUnreadableRow,
  putOrder,
  readTables,
  receiverFixture,
  step,
} from './receiver-fixture.js';

test('orders, effects and the inbox survive closing and rebuilding on the same database file', async () => {
  const { app, rebuild } = await receiverFixture();
  const provider = providers.stripe;
  const paid = step('order-kept', 'succeeded');
  await putOrder(app, 'order-kept');
  await deliver(app, provider, paid);
  await app.inbox.drain();
  const before = await getOrder(app, 'order-kept');
  await app.close();

  const again = await rebuild();
  expect(await getOrder(again, 'order-kept')).toEqual(before);
  expect(before.body).toMatchObject({ status: 'paid', fulfillments: 1 });
  const redelivered = await deliver(again, provider, paid);
  expect(redelivered.json()).toEqual({ received: true, duplicate: true });
});

test('the database file is in WAL mode, so readers never block the receiver', async () => {
  const { dbFile } = await receiverFixture();
  const db = new Database(dbFile);
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  } finally {
    db.close();
  }
});

test('an inbox row that keeps failing moves to dead letters after maxAttempts', async () => {
  const { app, dbFile } = await receiverFixture({ maxAttempts: 3, retryBackoffMs: 0 });
  await app.ready();
  insertUnreadableRow(dbFile, 'evt_orphan');

  await app.inbox.drain();
  const tables = readTables(dbFile);
  expect(tables.inbox).toMatchObject([{ event_id: 'evt_orphan', state: 'dead', attempts: 3 }]);
  expect(tables.deadLetters).toMatchObject([{ provider: 'retired-provider', event_id: 'evt_orphan' }]);
  expect(tables.deadLetters[0]?.reason).toContain('3 attempts');
  expect(await app.inbox.pending()).toBe(0);
});

test('the worker applies a delivery on its own, without drain', async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'order-auto');
  await deliver(app, providers['standard-webhooks'], step('order-auto', 'succeeded'));

  await expect.poll(async () => (await getOrder(app, 'order-auto')).body.status, { timeout: 2_000 }).toBe('paid');
});
