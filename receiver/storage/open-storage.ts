import type { OrderProjector } from '../order-projection.js';
import { openPostgresStorage } from './postgres.js';
import { openSqliteStorage } from './sqlite.js';
import type { ReceiverStorage } from './storage.js';

export type StorageChoice = { readonly databaseUrl: string; readonly schema: string } | { readonly dbFile: string };

/** The backend the options name: PostgreSQL for a `databaseUrl`, SQLite for a `dbFile`. */
export function openStorage(choice: StorageChoice, projectOrder: OrderProjector): Promise<ReceiverStorage> {
  if ('databaseUrl' in choice)
    return openPostgresStorage({ url: choice.databaseUrl, schema: choice.schema, projectOrder });
  return Promise.resolve(openSqliteStorage({ file: choice.dbFile, projectOrder }));
}
