export { buildReceiver, type InboxControl, type ReceiverOptions, secretEnvVars, secretsFromEnv } from './app.js';
export { type OrderProjection, type OrderProjector, projectOrder, type SideEffect } from './order-projection.js';
export { type RunningReceiver, type StartReceiverOptions, startReceiver } from './server.js';
export { openPostgresStorage, type PostgresStorageOptions } from './storage/postgres.js';
export { openSqliteStorage, type SqliteStorageOptions } from './storage/sqlite.js';
export type {
  AttemptFailure,
  DeadLetter,
  InboxClaim,
  InboxDelivery,
  InboxKey,
  InboxRow,
  ReceiverStorage,
  StoredOrder,
} from './storage/storage.js';
export { isStorageUnavailable, StorageUnavailableError } from './storage/storage-unavailable.js';
