import { setTimeout as delay } from 'node:timers/promises';
import { expect, onTestFinished, test } from 'vitest';
import { projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { LIVENESS_LOCK_CLASS } from '../../receiver/storage/postgres-schema.js';
import { admin, postgresUrl, testSchema } from '../support/postgres.js';
import { NOW_MS } from './receiver-fixture.js';

const LEASE_MS = 60_000;

function delivery(eventId: string) {
  return { provider: 'stripe', eventId, body: Buffer.from('{}'), headers: {}, receivedAtMs: NOW_MS };
}

/** The backend sessions holding a liveness key (the run's server is shared: other receivers hold other keys). */
async function holders(key: number): Promise<number[]> {
  const { rows } = await admin(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objid = $2::bigint::oid
       AND objsubid = 2 AND granted`,
    [LIVENESS_LOCK_CLASS, key],
  );
  return rows.map((row: { pid: number }) => row.pid);
}

async function claimedBy(schema: string, eventId: string): Promise<number> {
  const { rows } = await admin(`SELECT claimed_by FROM ${schema}.inbox WHERE event_id = $1`, [eventId]);
  return Number((rows[0] as { claimed_by: number }).claimed_by);
}

test('a receiver whose liveness session was terminated takes its lock back, so a sibling never takes over its live claims', async () => {
  const schema = await testSchema();
  const open = () => openPostgresStorage({ url: postgresUrl(), schema, projectOrder });
  const [first, sibling] = [await open(), await open()];
  onTestFinished(() => first.close());
  onTestFinished(() => sibling.close());
  await first.recordDelivery(delivery('evt_before'));
  expect(await first.claimPending(1, NOW_MS, LEASE_MS)).toHaveLength(1);
  const key = await claimedBy(schema, 'evt_before');
  const [session] = await holders(key);
  if (session === undefined) throw new Error('expected a session holding the liveness lock');

  // The server ends the liveness session (an administrator, a restart, a broken network would too).
  await admin('SELECT pg_terminate_backend($1)', [session]);
  let retaken: number[] = [];
  for (let tries = 0; tries < 100 && retaken.length === 0; tries += 1) {
    await first.claimPending(1, NOW_MS, LEASE_MS); // nothing to claim: the call only takes the key back if it was lost
    retaken = (await holders(key)).filter((pid) => pid !== session);
    if (retaken.length === 0) await delay(20);
  }
  expect(retaken).toHaveLength(1);

  await first.recordDelivery(delivery('evt_after'));
  expect((await first.claimPending(1, NOW_MS, LEASE_MS)).map((row) => row.eventId)).toEqual(['evt_after']);
  expect(await claimedBy(schema, 'evt_after')).toBe(key);
  // Both claims are within their lease and their owner is alive again: the sibling takes neither.
  expect(await sibling.claimPending(10, NOW_MS, LEASE_MS)).toEqual([]);
});
