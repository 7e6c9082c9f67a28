import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { buildReceiver, type ReceiverOptions } from '../../receiver/app.js';
import type { ReceiverStorage } from '../../receiver/storage/storage.js';
import { NOW_MS, PUBLIC_URL, secrets, temporaryDbFile } from '../receiver/receiver-fixture.js';
import { admin, postgresUrl, testSchema } from './postgres.js';
import { testProbe } from './probe-token.js';

/** An inbox row as stored, read back beside the receiver. */
export interface StoredInboxRow {
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
  readonly state: string;
  readonly attempts: number;
}

/** The reference receiver on one backend, with its storage (for dead letters and orders) and its raw inbox rows. */
export interface BackendReceiver {
  readonly app: FastifyInstance;
  readonly storage: ReceiverStorage;
  inboxRow(provider: string, eventId: string): Promise<StoredInboxRow | null>;
}

type Open = (overrides?: Partial<ReceiverOptions>) => Promise<BackendReceiver>;

async function build(options: ReceiverOptions): Promise<{ app: FastifyInstance; storage: ReceiverStorage }> {
  let storage: ReceiverStorage | undefined;
  const app = await buildReceiver({
    ...options,
    wrapStorage: (opened) => {
      storage = options.wrapStorage?.(opened) ?? opened;
      return storage;
    },
  });
  onTestFinished(() => app.close());
  if (storage === undefined) throw new Error('the receiver opened no storage');
  return { app, storage };
}

const common = () => ({ secrets, clock: manualClock(NOW_MS), publicUrl: PUBLIC_URL, ...testProbe });

/**
 * The same receiver on SQLite and on PostgreSQL (the run's server, a schema of the test's own), for tests that give
 * both the same requests and compare the answers.
 */
export const backends: readonly { readonly backend: 'SQLite' | 'PostgreSQL'; readonly open: Open }[] = [
  {
    backend: 'SQLite',
    open: async (overrides = {}) => {
      const dbFile = await temporaryDbFile();
      const { app, storage } = await build({ ...common(), dbFile, ...overrides });
      return {
        app,
        storage,
        async inboxRow(provider, eventId) {
          const db = new Database(dbFile, { readonly: true });
          try {
            const row = db
              .prepare('SELECT body, headers, state, attempts FROM inbox WHERE provider = ? AND event_id = ?')
              .get(provider, eventId) as { body: Buffer; headers: string; state: string; attempts: number } | undefined;
            return row === undefined ? null : { ...row, headers: JSON.parse(row.headers) as Record<string, unknown> };
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    backend: 'PostgreSQL',
    open: async (overrides = {}) => {
      const schema = await testSchema();
      const { app, storage } = await build({ ...common(), databaseUrl: postgresUrl(), schema, ...overrides });
      return {
        app,
        storage,
        async inboxRow(provider, eventId) {
          const { rows } = await admin(
            `SELECT body, headers, state, attempts FROM ${schema}.inbox WHERE provider = $1 AND event_id = $2`,
            [provider, eventId],
          );
          const row = rows[0] as { body: Buffer; headers: unknown; state: string; attempts: number } | undefined;
          if (row === undefined) return null;
          // JSON text since migration 3 (JSONB before it, which the driver parses itself).
          const headers = typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers;
          return { ...row, headers: headers as Record<string, unknown> };
        },
      };
    },
  },
];
