/**
 * The SQLite schema. Idempotent: run on every start. Bodies are kept as the exact bytes received, headers as JSON.
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
  last_error TEXT,
  PRIMARY KEY (provider, event_id)
) STRICT;
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (received_at) WHERE state = 'pending';

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
