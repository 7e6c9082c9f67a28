import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { deliver, readTables, receiverFixture, step } from '../receiver/receiver-fixture.js';
import { recordFigures } from '../support/reliability.js';

const run = promisify(execFile);
const stripe = providers.stripe;

/**
 * A full disk, for this process only: RLIMIT_FSIZE (`prlimit`, soft limit, no privilege needed) below the size of the
 * WAL, so every write past it fails as a full disk does (SQLite reports SQLITE_FULL or SQLITE_IOERR_WRITE); reads
 * work. Lifted when the test ends, whatever happens.
 */
async function fillTheDisk(): Promise<() => Promise<void>> {
  await run('prlimit', ['--pid', String(process.pid), '--fsize=4096:']);
  let lifted = false;
  const lift = async () => {
    if (lifted) return;
    lifted = true;
    await run('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:']);
  };
  onTestFinished(lift);
  return lift;
}

/** Another connection (an operator's shell, a backup tool) holding the write lock until released. */
function holdWriteLock(file: string): () => void {
  const other = new Database(file);
  other.exec('BEGIN EXCLUSIVE');
  const release = () => {
    if (!other.open) return;
    other.exec('ROLLBACK');
    other.close();
  };
  onTestFinished(release);
  return release;
}

/** Milliseconds an in-process request takes: the event loop blocked by a synchronous wait shows up here. */
async function timed(app: FastifyInstance, url: string) {
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, ms: performance.now() - started };
}

function expectNoPath(body: string, dbFile: string): void {
  expect(body).not.toContain(dbFile);
  expect(body).not.toMatch(/SQLITE_|disk I\/O|locked/);
}

test('a full disk answers deliveries 503, not 500; readiness is false until a probe write works, then the delivery is applied once', async () => {
  const { app, dbFile } = await receiverFixture({ maxAttempts: 1 });
  const before = step('ord_full_0', 'succeeded');
  expect((await deliver(app, stripe, before)).statusCode).toBe(200);
  await app.inbox.drain();

  const payment = step('ord_full_1', 'succeeded');
  const lift = await fillTheDisk();
  const during = await deliver(app, stripe, payment);
  const unready = await app.inject({ method: 'GET', url: '/health/ready' });
  const live = await app.inject({ method: 'GET', url: '/health/live' });
  await lift();
  await recordFigures('SQLite faults', {
    fault: 'SQLite disk full (RLIMIT_FSIZE 4 KiB)',
    'delivery answered': during.statusCode,
    'ready during': unready.statusCode,
    'live during': live.statusCode,
  });

  expect(during.statusCode).toBe(503);
  expect(during.json()).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE' });
  expectNoPath(during.body, dbFile);
  expect(unready.statusCode).toBe(503);
  expect(unready.json()).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE', problem: 'unwritable' });
  expectNoPath(unready.body, dbFile);
  expect(live.statusCode).toBe(200);

  expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  expect((await deliver(app, stripe, payment)).statusCode).toBe(200);
  await app.inbox.drain();
  expect(readTables(dbFile).inbox.map((row) => [row.state, row.attempts])).toEqual([
    ['done', 1],
    ['done', 1],
  ]);
  expect(readTables(dbFile).deadLetters).toEqual([]);
});

test('a write lock held by another connection: health keeps answering, deliveries wait a bounded time then get 503, readiness is false then true, and no attempt is counted', async () => {
  const { app, dbFile } = await receiverFixture({ maxAttempts: 1 });
  await app.ready();
  const release = holdWriteLock(dbFile);

  const payment = step('ord_locked', 'succeeded');
  const started = performance.now();
  const pending = deliver(app, stripe, payment);
  const checks = [];
  for (let i = 0; i < 5; i += 1) {
    checks.push(await timed(app, '/health/live'), await timed(app, '/health/ready'));
  }
  const during = await pending;
  const waitedMs = performance.now() - started;
  const unready = await app.inject({ method: 'GET', url: '/health/ready' });
  release();
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  await recordFigures('SQLite faults', {
    fault: 'SQLite write lock held by another connection',
    'delivery answered': during.statusCode,
    'ready during': unready.statusCode,
    'live during': [...new Set(checks.filter((_, i) => i % 2 === 0).map((c) => c.status))].join(', '),
    'delivery waited s': Math.round(waitedMs / 100) / 10,
    'slowest health answer ms': Math.round(Math.max(...checks.map((c) => c.ms))),
  });

  // The receiver kept serving while the delivery waited for the lock (no synchronous busy wait of seconds).
  expect(checks.every((check) => check.status < 600 && check.ms < 250)).toBe(true);
  expect(during.statusCode).toBe(503);
  expect(during.json()).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE' });
  expectNoPath(during.body, dbFile);
  expect(waitedMs).toBeGreaterThanOrEqual(1_500);
  expect(waitedMs).toBeLessThan(4_000);
  expect(unready.statusCode).toBe(503);
  expect(unready.json()).toMatchObject({ problem: 'unwritable' });
  expect(ready.statusCode).toBe(200);

  const retried = await deliver(app, stripe, payment);
  expect(retried.statusCode).toBe(200);
  await app.inbox.drain();
  expect(readTables(dbFile).inbox.map((row) => [row.state, row.attempts])).toEqual([['done', 1]]);
  expect(readTables(dbFile).deadLetters).toEqual([]);
});

test('a lock taken between the claim and the apply is waited out: the event is applied at its first attempt, not failed', async () => {
  let dbFile = '';
  let locks = 1;
  const { app, dbFile: file } = await receiverFixture({
    maxAttempts: 1,
    wrapStorage: (storage) => ({
      ...storage,
      async claimPending(limit, atMs, leaseMs) {
        const rows = await storage.claimPending(limit, atMs, leaseMs);
        if (rows.length > 0 && locks > 0) {
          locks -= 1;
          // Another process takes the write lock just after the claim, for less than the lock wait.
          setTimeout(holdWriteLock(dbFile), 300);
        }
        return rows;
      },
    }),
  });
  dbFile = file;
  const started = performance.now();
  expect((await deliver(app, stripe, step('ord_between', 'succeeded'))).statusCode).toBe(200);
  const live = await timed(app, '/health/live');
  await app.inbox.drain();

  expect(locks).toBe(0);
  expect(live.ms).toBeLessThan(250);
  expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  expect(readTables(dbFile).inbox.map((row) => [row.state, row.attempts, row.last_error])).toEqual([['done', 1, null]]);
  expect(readTables(dbFile).deadLetters).toEqual([]);
});
