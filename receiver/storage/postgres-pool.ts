import { randomInt } from 'node:crypto';
import pg from 'pg';
import { IpnError } from '../../contracts/errors.js';
import { LIVENESS_LOCK_CLASS, MIGRATION_LOCK_KEY, postgresMigrations } from './postgres-schema.js';
import { redactUrl, StorageUnavailableError } from './storage-unavailable.js';

export interface PoolOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize?: number;
  readonly connectionTimeoutMs?: number;
}

export interface OpenedPool {
  /**
   * This process's key among live receivers: a session advisory lock (LIVENESS_LOCK_CLASS, owner) held on a connection
   * of its own for as long as the pool is open. When the process dies its session ends and the lock with it.
   */
  readonly owner: number;
  /** Runs `work` in one transaction on one pooled connection. */
  transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Runs one statement, which is one transaction. */
  statement(what: string, text: string, values: unknown[]): Promise<pg.QueryResult>;
  end(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A node-postgres pool on the given schema (`search_path`), migrated before it is returned. Unreachable at open: an
 * `IPN_ERR_STORAGE` naming the URL without its password. Unreachable later: `StorageUnavailableError` (a 503).
 */
export async function openPool(options: PoolOptions): Promise<OpenedPool> {
  const { url, schema } = options;
  if (!SCHEMA_NAME.test(schema)) {
    throw new IpnError('IPN_ERR_RECEIVER_OPTIONS', `"${schema}" is not a usable PostgreSQL schema name.`, {
      hint: 'Use lowercase letters, digits and underscores, starting with a letter or underscore.',
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    options: `-c search_path=${schema}`,
  });
  // An idle connection that breaks is dropped by the pool; the next query reports the problem (as a 503).
  pool.on('error', () => undefined);
  let liveness: pg.Client | undefined;
  let owner = 0;
  try {
    await migrate(pool, schema);
    liveness = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000 });
    // Losing this connection only lets other receivers take over this one's claims; its settles then answer 'stale'.
    liveness.on('error', () => undefined);
    await liveness.connect();
    owner = await holdLivenessLock(liveness);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await liveness?.end().catch(() => undefined);
    throw new IpnError(
      'IPN_ERR_STORAGE',
      `could not open the PostgreSQL database at ${redactUrl(url)} (schema "${schema}"): ${String(error)}.`,
      {
        hint: 'Check that the server is running, the URL (host, port, user, password, database) and its privileges.',
        cause: error,
      },
    );
  }

  async function transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new StorageUnavailableError(what, error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUnavailable(error)) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw new StorageUnavailableError(what, error);
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
      throw isUnavailable(error) ? new StorageUnavailableError(what, error) : error;
    }
  }

  let ended = false;
  const livenessClient = liveness;
  return {
    owner,
    transaction,
    statement,
    async end() {
      if (ended) return;
      ended = true;
      await pool.end();
      await livenessClient.end().catch(() => undefined);
    },
  };
}

/** Takes a free key of LIVENESS_LOCK_CLASS as a session lock: the key is this process's name in `claimed_by`. */
async function holdLivenessLock(client: pg.Client): Promise<number> {
  for (let tries = 0; tries < 20; tries += 1) {
    const key = randomInt(1, 2 ** 31 - 1);
    const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [
      LIVENESS_LOCK_CLASS,
      key,
    ]);
    if (rows[0]?.held === true) return key;
  }
  throw new Error('no free liveness lock key after 20 tries');
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

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** A connection problem or a transient conflict: the request may succeed later, so it is answered 503. */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}
