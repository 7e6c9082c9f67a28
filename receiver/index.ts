export { buildReceiver, type InboxControl, type ReceiverOptions, secretEnvVars, secretsFromEnv } from './app.js';
export { type OrderProjection, type OrderProjector, projectOrder, type SideEffect } from './order-projection.js';
export { type RunningReceiver, type StartReceiverOptions, startReceiver } from './server.js';
export { openSqliteStorage } from './storage/sqlite.js';
export type { DeadLetter, InboxDelivery, InboxKey, InboxRow, ReceiverStorage, StoredOrder } from './storage/storage.js';
