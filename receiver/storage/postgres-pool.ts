import type pg from 'pg';
import { IpnError } from '../../contracts/errors.js';
import { optionalDependency } from '../../contracts/optional-dependency.js';
import { isPostgresUnavailable } from './postgres-errors.js';
import { holdLiveness } from './postgres-liveness.js';
import { MIGRATION_LOCK_KEY, postgresMigrations } from './postgres-schema.js';
import { redactUrl, StorageUnavailableError } from './storage-unavailable.js';
import { type WriteHealth, writeHealth } from './write-health.js';

export interface PoolOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize?: number;
  readonly connectionTimeoutMs?: number;
}

export interface OpenedPool {
  /**
   * This process's key among live receivers (postgres-liveness.ts), taken again after a lost connection; null while it
   * is not held. When the process dies its session ends and the lock with it.
   */
  owner(): Promise<number | null>;
  /** Runs `work` in one transaction on one pooled connection. */
  transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Runs one statement, which is one transaction. */
  statement(what: string, text: string, values: unknown[]): Promise<pg.QueryResult>;
  /** Notes every failure of the database, for readiness (write-health.ts). */
  readonly health: WriteHealth;
  end(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A node-postgres pool on the given schema (`search_path`), migrated before it is returned. Unreachable at open: an
 * `IPN_ERR_STORAGE` naming the URL without its password. Unreachable later: `StorageUnavailableError` (a 503), never
 * an exit: node-postgres emits `error` on a client whose server went away, and `pool.on('error')` covers only idle
 * clients, so every client gets its own listener when the pool connects it (the liveness client has its own too).
 */
export async function openPool(options: PoolOptions): Promise<OpenedPool> {
  const { url, schema } = options;
  if (!SCHEMA_NAME.test(schema)) {
    throw new IpnError('IPN_ERR_RECEIVER_OPTIONS', `"${schema}" is not a usable PostgreSQL schema name.`, {
      hint: 'Use lowercase letters, digits and underscores, starting with a letter or underscore.',
    });
  }
  const connectionTimeoutMillis = options.connectionTimeoutMs ?? 5_000;
  const { Client, Pool } = optionalDependency<typeof pg>('pg', 'The reference receiver on PostgreSQL');
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis,
    options: `-c search_path=${schema}`,
  });
  // An idle connection that breaks is dropped by the pool; the next query reports the problem (as a 503).
  pool.on('error', () => undefined);
  // A checked-out connection that breaks fails its query (a 503) and is discarded on release (`transaction`).
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  let liveness: Awaited<ReturnType<typeof holdLiveness>>;
  try {
    await migrate(pool, schema);
    liveness = await holdLiveness(
      () => new Client({ connectionString: url, connectionTimeoutMillis, keepAlive: true }),
    );
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new IpnError(
      'IPN_ERR_STORAGE',
      `could not open the PostgreSQL database at ${redactUrl(url)} (schema "${schema}"): ${String(error)}.`,
      {
        hint: 'Check that the server is running, the URL (host, port, user, password, database) and its privileges.',
        cause: error,
      },
    );
  }
  const health = writeHealth();

  async function transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw health.noted(new StorageUnavailableError(what, error));
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isPostgresUnavailable(error)) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw health.noted(new StorageUnavailableError(what, error));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** One statement is one transaction. */
  async function statement(what: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await pool.query(text, values);
    } catch (error) {
      throw isPostgresUnavailable(error) ? health.noted(new StorageUnavailableError(what, error)) : error;
    }
  }

  let ended = false;
  return {
    owner: () => liveness.key(),
    transaction,
    statement,
    health,
    async end() {
      if (ended) return;
      ended = true;
      await pool.end();
      await liveness.end();
    },
  };
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Only create a missing schema: a user allowed to use an existing schema may not be allowed to create one.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const migration of postgresMigrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
