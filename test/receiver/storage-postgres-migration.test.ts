import { expect, onTestFinished, test } from 'vitest';
import { projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { postgresMigrations } from '../../receiver/storage/postgres-schema.js';
import { admin, postgresUrl, testSchema } from '../support/postgres.js';
import { NOW_MS } from './receiver-fixture.js';

test('a database written before migration 3 keeps its rows: JSONB headers become JSON text, then hold U+0000 too', async () => {
  const schema = await testSchema();
  // The schema as the previous release left it: migrations 1 and 2, and rows with JSONB headers.
  const before = postgresMigrations.filter((m) => m.version < 3);
  await admin(
    `CREATE SCHEMA ${schema}; SET search_path TO ${schema};
     CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
     ${before.map((m) => m.sql).join(';\n')};
     INSERT INTO schema_migrations (version) VALUES ${before.map((m) => `(${m.version})`).join(', ')};
     INSERT INTO inbox (provider, event_id, received_at, body, headers)
       VALUES ('stripe', 'evt_old', 1, '\\x7b7d', '{"stripe-signature": "t=1,v1=ab"}');
     INSERT INTO dead_letters (provider, event_id, reason, body, headers, received_at)
       VALUES ('stripe', NULL, 'no event id', '\\xff00', '{"x-old": "kept"}', 2);`,
  );

  const storage = await openPostgresStorage({ url: postgresUrl(), schema, projectOrder });
  onTestFinished(() => storage.close());
  const types = await admin(
    `SELECT table_name, data_type FROM information_schema.columns
     WHERE table_schema = $1 AND column_name = 'headers' ORDER BY table_name`,
    [schema],
  );
  expect(types.rows).toEqual([
    { table_name: 'dead_letters', data_type: 'text' },
    { table_name: 'inbox', data_type: 'text' },
  ]);
  const [kept] = await storage.listDeadLetters({ limit: 10, offset: 0 });
  const detail = await storage.showDeadLetter(kept?.id ?? '');
  expect(detail?.headers).toEqual({ 'x-old': 'kept' });
  expect(Buffer.from(detail?.body ?? []).toString('hex')).toBe('ff00');
  const [old] = await storage.claimPending(10, NOW_MS, 1_000);
  expect(old).toMatchObject({ eventId: 'evt_old', attempt: 1 });

  await storage.recordDeadLetter({
    provider: 'stripe',
    eventId: null,
    reason: 'malformed',
    body: Buffer.from('{'),
    headers: { 'x-new': 'nul\u0000' },
    receivedAtMs: NOW_MS,
  });
  const [newest] = await storage.listDeadLetters({ limit: 1, offset: 0 });
  expect((await storage.showDeadLetter(newest?.id ?? ''))?.headers).toEqual({ 'x-new': 'nul\u0000' });
});
