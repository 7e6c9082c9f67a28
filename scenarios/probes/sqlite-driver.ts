import type Database from 'better-sqlite3';
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

/** Codes that mean the file is not a usable database, rather than a statement the database refused. */
const UNUSABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR']);

/**
 * The receiver's SQLite file, opened on first use (it must exist: the probe never creates a database) and waited on for
 * up to the deadline while the receiver holds a write lock.
 */
export function sqliteDriver(path: string, options: DriverOptions): SqlDriver {
  let db: Database.Database | undefined;
  const statements = new Map<string, Database.Statement>();

  const open = (): Database.Database => {
    if (db !== undefined) return db;
    const Sqlite = optionalDependency<typeof Database>('better-sqlite3', 'A SQLite probe');
    try {
      db = new Sqlite(path, { fileMustExist: true, timeout: options.deadlineMs });
      return db;
    } catch (error) {
      throw unreachable(options.shown, `no SQLite database could be opened there: ${messageOf(error)}`, error);
    }
  };
  const prepared = (statement: BoundStatement): Database.Statement => {
    const found = statements.get(statement.sql.text);
    if (found !== undefined) return found;
    const made = open().prepare(statement.sql.text);
    statements.set(statement.sql.text, made);
    return made;
  };
  const run = (statement: BoundStatement): readonly Row[] => {
    try {
      const ready = prepared(statement);
      const values = [...statement.values];
      if (ready.reader) return ready.all(values) as Row[];
      ready.run(values);
      return [];
    } catch (error) {
      throw classify(statement, error);
    }
  };
  const classify = (statement: BoundStatement, error: unknown) => {
    if (isIpnError(error)) return error;
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (UNUSABLE.has(code)) return unreachable(options.shown, messageOf(error), error);
    return statementFailed(statement.what, options.shown, messageOf(error), error);
  };

  return {
    async query(statement) {
      return run(statement);
    },
    async transaction(list) {
      const database = open();
      try {
        database.transaction(() => {
          for (const statement of list) run(statement);
        })();
      } catch (error) {
        // BEGIN or COMMIT itself (a lock held too long); a statement's own failure is already classified.
        throw list[0] === undefined ? error : classify(list[0], error);
      }
    },
    async close() {
      db?.close();
      db = undefined;
      statements.clear();
    },
  };
}
