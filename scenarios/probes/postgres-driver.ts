import type pg from 'pg';
import { isIpnError } from '../../contracts/errors.js';
import { optionalDependency } from '../../contracts/optional-dependency.js';
import {
  type BoundStatement,
  type DriverOptions,
  messageOf,
  type Row,
  type SqlDriver,
  statementFailed,
  unreachable,
} from './sql-driver.js';

/** Connections the probe holds at once: reading thousands of orders queues instead of exhausting the server. */
const CONNECTIONS = 8;
/** SQLSTATE classes that say the server or the connection failed, not the statement: 08, 28, 53, 57. */
const SERVER_CLASSES = /^(08|28|53|57)/;

/** The receiver's PostgreSQL database through a small pool; every call bounded by the deadline, connecting included. */
export function postgresDriver(url: string, options: DriverOptions): SqlDriver {
  const { DatabaseError, Pool } = optionalDependency<typeof pg>('pg', 'A PostgreSQL probe');
  const pool = new Pool({
    connectionString: url,
    max: CONNECTIONS,
    connectionTimeoutMillis: options.deadlineMs,
    query_timeout: options.deadlineMs,
    idleTimeoutMillis: 5_000,
  });
  // An idle connection the server drops must not take the harness down with it; the next call reconnects.
  pool.on('error', () => {});

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw unreachable(options.shown, messageOf(error), error);
    }
  };
  const failure = (statement: BoundStatement, error: unknown) => {
    const sqlState = error instanceof DatabaseError ? (error.code ?? '') : null;
    if (sqlState === null || SERVER_CLASSES.test(sqlState)) return unreachable(options.shown, messageOf(error), error);
    return statementFailed(statement.what, options.shown, messageOf(error), error);
  };
  const run = async (client: pg.PoolClient, statement: BoundStatement): Promise<readonly Row[]> => {
    try {
      const result = await client.query({ text: statement.sql.text, values: [...statement.values] });
      return result.rows as Row[];
    } catch (error) {
      throw failure(statement, error);
    }
  };

  return {
    async query(statement) {
      const client = await connect();
      let broken: Error | undefined;
      try {
        return await run(client, statement);
      } catch (error) {
        if (error instanceof Error && error.cause !== undefined && !(error.cause instanceof DatabaseError)) {
          broken = error;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async transaction(list) {
      const client = await connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        for (const statement of list) await run(client, statement);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: unknown) => {
          broken = rollback instanceof Error ? rollback : new Error(String(rollback));
        });
        if (!isIpnError(error)) {
          throw unreachable(options.shown, messageOf(error), error);
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
