import { projectOrder as defaultProjector, type OrderProjector } from '../order-projection.js';
import { openPostgresStorage } from './postgres.js';
import { openSqliteStorage } from './sqlite.js';
import { openSqliteThread, sqliteThreadAvailable } from './sqlite-thread.js';
import type { ReceiverStorage } from './storage.js';

export type StorageChoice = { readonly databaseUrl: string; readonly schema: string } | { readonly dbFile: string };

/**
 * The backend the options name: PostgreSQL for a `databaseUrl`, SQLite for a `dbFile`. SQLite runs on a thread of its
 * own when it can (compiled modules, the default order projection, which the thread imports itself): sqlite-thread.ts.
 */
export function openStorage(choice: StorageChoice, projectOrder: OrderProjector): Promise<ReceiverStorage> {
  if ('databaseUrl' in choice)
    return openPostgresStorage({ url: choice.databaseUrl, schema: choice.schema, projectOrder });
  if (projectOrder === defaultProjector && sqliteThreadAvailable()) return openSqliteThread({ file: choice.dbFile });
  return Promise.resolve(openSqliteStorage({ file: choice.dbFile, projectOrder }));
}
