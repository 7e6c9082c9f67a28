import Database from 'better-sqlite3';
import { expect, onTestFinished, test } from 'vitest';
import { projectOrder } from '../../receiver/order-projection.js';
import { openSqliteStorage, type SqliteStorageOptions } from '../../receiver/storage/sqlite.js';
import { NOW_MS, temporaryDbFile } from './receiver-fixture.js';

const N = 20;

function delivery(eventId: string) {
  return { provider: 'stripe', eventId, body: Buffer.from('{}'), headers: {}, receivedAtMs: NOW_MS };
}

async function sqlite(beforeDeliveryCommit: NonNullable<SqliteStorageOptions['beforeDeliveryCommit']>) {
  const file = await temporaryDbFile();
  const storage = openSqliteStorage({ file, projectOrder, beforeDeliveryCommit });
  onTestFinished(() => storage.close());
  /** What another process sees: only committed rows. */
  const committedRows = () => {
    const reader = new Database(file, { readonly: true });
    try {
      return reader.prepare('SELECT count(*) FROM inbox').pluck().get() as number;
    } finally {
      reader.close();
    }
  };
  return { storage, committedRows };
}

test(`${N} concurrent deliveries share fewer than ${N} commits, and none is acknowledged before its commit`, async () => {
  const timeline: string[] = [];
  let visibleInsideCommit = -1;
  const { storage, committedRows } = await sqlite((deliveries) => {
    timeline.push(`commit of ${deliveries}`);
    visibleInsideCommit = committedRows();
  });

  const outcomes = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const outcome = await storage.recordDelivery(delivery(`evt_${i % (N / 2)}`));
      timeline.push('acknowledged');
      return outcome;
    }),
  );

  const commits = timeline.filter((entry) => entry.startsWith('commit'));
  expect(commits.length).toBeGreaterThan(0);
  expect(commits.length).toBeLessThan(N);
  expect(timeline[0]).toMatch(/^commit/);
  // Just before the shared commit another connection saw none of the rows; after the acknowledgements it sees all.
  expect(visibleInsideCommit).toBe(0);
  expect(committedRows()).toBe(N / 2);
  expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(N / 2);
});

test('a failed group commit rejects every delivery in it and stores none of them', async () => {
  let fail = true;
  const { storage, committedRows } = await sqlite(() => {
    if (fail) throw new Error('disk full');
  });

  const settled = await Promise.allSettled(
    Array.from({ length: N }, (_, i) => storage.recordDelivery(delivery(`evt_${i}`))),
  );
  expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(N);
  expect(committedRows()).toBe(0);

  fail = false;
  expect(await storage.recordDelivery(delivery('evt_0'))).toEqual({ duplicate: false });
  expect(committedRows()).toBe(1);
});

test('deliveries made one after another each get their own commit', async () => {
  let commits = 0;
  const { storage } = await sqlite(() => {
    commits += 1;
  });
  for (let i = 0; i < 3; i += 1) await storage.recordDelivery(delivery(`evt_${i}`));
  expect(commits).toBe(3);
});

test('reopening the file ends the claims of the process that had it, so a restart after a crash retries at once', async () => {
  const file = await temporaryDbFile();
  const crashed = openSqliteStorage({ file, projectOrder });
  await crashed.recordDelivery(delivery('evt_in_flight'));
  expect(await crashed.claimPending(1, NOW_MS, 60_000)).toHaveLength(1);
  await crashed.close(); // as if killed: the claim was never settled

  const restarted = openSqliteStorage({ file, projectOrder });
  onTestFinished(() => restarted.close());
  const [row] = await restarted.claimPending(1, NOW_MS, 60_000);
  expect(row).toMatchObject({ eventId: 'evt_in_flight', attempt: 2 });
});
