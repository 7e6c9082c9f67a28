import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { expect, onTestFinished, test } from 'vitest';
// The storage thread runs compiled modules: npm test builds dist/ first. Its errors are dist's classes, so the checks
// on them are dist's too.
import { IpnError } from '../../dist/contracts/errors.js';
import { openSqliteThread } from '../../dist/receiver/storage/sqlite-thread.js';
import { isStorageUnavailable } from '../../dist/receiver/storage/storage-unavailable.js';
import { NOW_MS, temporaryDbFile } from './receiver-fixture.js';

const run = promisify(execFile);
const projectors = new URL('../fixtures/storage-thread-projectors.mjs', import.meta.url).href;

function delivery(eventId: string) {
  return { provider: 'stripe', eventId, body: Buffer.from(`{"id":"${eventId}"}`), headers: {}, receivedAtMs: NOW_MS };
}

async function opened(options: Partial<Parameters<typeof openSqliteThread>[0]> = {}) {
  const file = await temporaryDbFile();
  const storage = await openSqliteThread({ file, ...options });
  onTestFinished(() => storage.close());
  return { storage, file };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have been refused'),
    (error: unknown) => error,
  );
}

test('a write lock held by another connection: the delivery fails as the database unavailable (a 503), readiness says unwritable, and once released it is stored', async () => {
  const { storage, file } = await opened({ lockWaitMs: 100 });
  const other = new Database(file);
  onTestFinished(() => {
    if (other.open) other.close();
  });
  other.exec('BEGIN EXCLUSIVE');

  const refused = await rejection(storage.recordDelivery(delivery('evt_locked')));
  expect(isStorageUnavailable(refused)).toBe(true);
  expect(refused).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE', what: 'storing a delivery' });
  expect(await storage.health()).toMatchObject({ ready: false, problem: 'unwritable' });

  other.exec('ROLLBACK');
  expect(await storage.health()).toMatchObject({ ready: true });
  expect(await storage.recordDelivery(delivery('evt_locked'))).toEqual({ duplicate: false });
  expect(await storage.pendingCount()).toBe(1);
});

test('a thread that ends mid-apply fails that call and every later one as the database unavailable, and readiness says unreachable', async () => {
  const { storage } = await opened({ projector: { url: projectors, name: 'projectOrEndThread' } });
  await storage.putOrder({ orderId: 'ord_1', amountMinor: 5000, currency: 'USD' }, NOW_MS);
  await storage.recordDelivery(delivery('evt_ends_thread'));
  const [row] = await storage.claimPending(10, NOW_MS, 1_000);
  if (row === undefined) throw new Error('the delivery was not claimable');
  const fact = {
    eventId: 'evt_ends_thread',
    orderId: 'ord_1',
    kind: 'succeeded' as const,
    amountMinor: 5000,
    currency: 'USD',
    occurredAt: NOW_MS / 1000,
  };

  const refused = await rejection(storage.applyFacts([{ claim: row, fact }], NOW_MS));
  expect(isStorageUnavailable(refused)).toBe(true);
  expect(refused).toMatchObject({ what: 'the storage thread ended', detail: 'exit code 3' });
  expect(isStorageUnavailable(await rejection(storage.recordDelivery(delivery('evt_after'))))).toBe(true);
  expect(await storage.health()).toMatchObject({ ready: false, problem: 'unreachable' });
});

test('a file that cannot be opened rejects with IPN_ERR_STORAGE naming it, as in-process opening does', async () => {
  const file = join(await temporaryDbFile(), 'no-such-directory', 'receiver.db');
  const refused = await rejection(openSqliteThread({ file }));
  expect(refused).toBeInstanceOf(IpnError);
  expect(refused).toMatchObject({ code: 'IPN_ERR_STORAGE' });
  expect(String((refused as Error).message)).toContain(file);
});

test('a projector module without the export named rejects at opening with what is missing', async () => {
  const file = await temporaryDbFile();
  const refused = await rejection(openSqliteThread({ file, projector: { url: projectors, name: 'noSuchProjector' } }));
  expect(String(refused)).toContain('has no function export named noSuchProjector');
});

test("replaying a kept delivery runs the check on the caller's side: its refusal is the answer, its event id is stored", async () => {
  const { storage } = await opened();
  await storage.recordDeadLetter({
    provider: 'stripe',
    eventId: null,
    reason: 'no event id',
    body: Buffer.from('{"object":"event"}'),
    headers: { 'stripe-signature': 't=1,v1=00' },
    receivedAtMs: NOW_MS,
  });
  const [letter] = await storage.listDeadLetters({ limit: 10, offset: 0 });
  if (letter === undefined) throw new Error('the dead letter was not kept');
  const seen: unknown[] = [];

  const rejected = await storage.replayDeadLetter(
    letter.id,
    (kept) => {
      seen.push({ provider: kept.provider, body: Buffer.from(kept.body).toString(), headers: kept.headers });
      return { ok: false, reason: 'still no event id' };
    },
    NOW_MS,
  );
  expect(rejected).toEqual({ outcome: 'rejected', reason: 'still no event id' });
  expect(seen).toEqual([
    { provider: 'stripe', body: '{"object":"event"}', headers: { 'stripe-signature': 't=1,v1=00' } },
  ]);

  const replayed = await storage.replayDeadLetter(letter.id, () => ({ ok: true, eventId: 'evt_kept' }), NOW_MS + 1);
  expect(replayed).toEqual({ outcome: 'replayed', provider: 'stripe', eventId: 'evt_kept', duplicate: false });
  expect(await storage.pendingCount()).toBe(1);
  expect(await storage.replayDeadLetter(letter.id, () => ({ ok: true, eventId: 'evt_kept' }), NOW_MS)).toEqual({
    outcome: 'not_found',
  });
});

test('the thread keeps a process alive only while a call waits: a script that never closes the storage still gets its answer, then exits', async () => {
  const file = await temporaryDbFile();
  const module = new URL('../../dist/receiver/storage/sqlite-thread.js', import.meta.url).href;
  const script = `
    const { openSqliteThread } = await import(${JSON.stringify(module)});
    const storage = await openSqliteThread({ file: ${JSON.stringify(file)} });
    const answer = await storage.putOrder({ orderId: 'ord_1', amountMinor: 100, currency: 'EUR' }, 1);
    console.log(JSON.stringify(answer));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
  expect(JSON.parse(stdout)).toEqual({ outcome: 'created' });
});
