/**
 * The SQLite schema. Idempotent: run on every start. Bodies are kept as the exact bytes received, headers as JSON.
 * An inbox row's `attempts` counts its claims; `available_at` is when it may be claimed (the end of a lease or of a
 * retry backoff).
 */
export const sqliteSchema = `
CREATE TABLE IF NOT EXISTS orders (
  order_id TEXT PRIMARY KEY,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  amount_paid_minor INTEGER NOT NULL DEFAULT 0,
  amount_refunded_minor INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS inbox (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body BLOB NOT NULL,
  headers TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (provider, event_id)
) STRICT;

CREATE TABLE IF NOT EXISTS facts (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  fact TEXT NOT NULL,
  PRIMARY KEY (provider, event_id)
) STRICT;
CREATE INDEX IF NOT EXISTS facts_by_order ON facts (order_id);

CREATE TABLE IF NOT EXISTS effects (
  key TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('fulfillment', 'refund')),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS effects_by_order ON effects (order_id);

-- One row, whose counter the readiness probe increments to learn that writes work again after they failed.
CREATE TABLE IF NOT EXISTS receiver_health (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  probes INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT OR IGNORE INTO receiver_health (id) VALUES (1);

-- Per provider, the newest event the reconciler stored from the gateway's list (it pages back to here next time).
CREATE TABLE IF NOT EXISTS reconcile_cursors (
  provider TEXT PRIMARY KEY,
  created_s INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  provider TEXT NOT NULL,
  event_id TEXT,
  reason TEXT NOT NULL,
  body BLOB NOT NULL,
  headers TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
`;

/** Columns added after the first release, for databases created before them: [table, column, definition]. */
export const sqliteAddedColumns = [['inbox', 'available_at', 'INTEGER NOT NULL DEFAULT 0']] as const;

/** Indexes that may name an added column, so they are created after the columns exist. */
export const sqliteIndexes = `
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (received_at) WHERE state = 'pending';
`;
