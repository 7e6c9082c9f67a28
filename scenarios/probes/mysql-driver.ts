import type mysql from 'mysql2/promise';
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

const CONNECTIONS = 8;

/**
 * The receiver's MySQL or MariaDB database through a small pool. Statements run as server-side prepared statements
 * (`execute`): the values travel apart from the text, never escaped into it.
 */
export function mysqlDriver(url: string, options: DriverOptions): SqlDriver {
  const pool = optionalDependency<typeof mysql>('mysql2/promise', 'A MySQL probe').createPool({
    uri: url,
    connectionLimit: CONNECTIONS,
    connectTimeout: options.deadlineMs,
    waitForConnections: true,
    // DECIMAL and BIGINT as exact strings; dates stay as the server wrote them.
    decimalNumbers: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });

  const connect = async (): Promise<mysql.PoolConnection> => {
    try {
      return await pool.getConnection();
    } catch (error) {
      throw unreachable(options.shown, messageOf(error), error);
    }
  };
  const run = async (connection: mysql.PoolConnection, statement: BoundStatement): Promise<readonly Row[]> => {
    try {
      const [rows] = await connection.execute(mysqlQuery(statement, options.deadlineMs), [
        ...statement.values,
      ] as mysql.ExecuteValues[]);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (error) {
      throw failure(statement, error);
    }
  };
  const failure = (statement: BoundStatement, error: unknown) => {
    // A server error has a SQLSTATE; a fatal one (or none: a socket error, a timeout) means the connection failed.
    const fatal = error instanceof Error && 'fatal' in error && error.fatal === true;
    const sqlState = error instanceof Error && 'sqlState' in error ? String(error.sqlState) : '';
    if (fatal || sqlState === '' || /^(08|28)/.test(sqlState))
      return unreachable(options.shown, messageOf(error), error);
    return statementFailed(statement.what, options.shown, messageOf(error), error);
  };

  return {
    async query(statement) {
      const connection = await connect();
      try {
        return await run(connection, statement);
      } finally {
        connection.release();
      }
    },
    async transaction(list) {
      const connection = await connect();
      try {
        await connection.beginTransaction();
        for (const statement of list) await run(connection, statement);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw isIpnError(error) ? error : unreachable(options.shown, messageOf(error), error);
      } finally {
        connection.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** What `execute` is given for one statement: the text with `?` placeholders and a deadline for the answer. */
export function mysqlQuery(statement: BoundStatement, deadlineMs: number): { sql: string; timeout: number } {
  return { sql: statement.sql.text, timeout: deadlineMs };
}
