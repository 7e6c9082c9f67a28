/**
 * The PostgreSQL schema as numbered migrations, applied in order at open inside one transaction under an advisory
 * lock (several receivers may start at once). Tables live in the schema the receiver is given (`search_path`).
 * Times are epoch milliseconds; bodies the exact bytes received (BYTEA), headers JSON text.
 */
export const postgresMigrations: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  amount_paid_minor BIGINT NOT NULL DEFAULT 0,
  amount_refunded_minor BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE inbox (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  seq BIGSERIAL NOT NULL,
  body BYTEA NOT NULL,
  headers JSONB NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX inbox_pending ON inbox (received_at, seq) WHERE state = 'pending';

CREATE TABLE facts (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  fact JSONB NOT NULL,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX facts_by_order ON facts (order_id);

CREATE TABLE effects (
  key TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('fulfillment', 'refund')),
  created_at BIGINT NOT NULL
);
CREATE INDEX effects_by_order ON effects (order_id);

CREATE TABLE dead_letters (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  event_id TEXT,
  reason TEXT NOT NULL,
  body BYTEA NOT NULL,
  headers JSONB NOT NULL,
  received_at BIGINT NOT NULL
);
`,
  },
  {
    // The receiver process holding a claim, known by the session advisory lock it holds while alive (postgres-pool.ts):
    // the claims of a process whose session ended are taken over at once instead of at the end of their lease.
    version: 2,
    sql: 'ALTER TABLE inbox ADD COLUMN claimed_by INTEGER',
  },
  {
    // Headers as the JSON text SQLite keeps too: JSONB cannot hold U+0000 (a header value may), TEXT holding JSON
    // escapes can (docs/decisions/0021-storage-faults.md). Existing rows are converted. The one-row table takes the
    // probe write by which readiness learns that writes work again after they failed.
    version: 3,
    sql: `
ALTER TABLE inbox ALTER COLUMN headers TYPE TEXT USING headers::text;
ALTER TABLE dead_letters ALTER COLUMN headers TYPE TEXT USING headers::text;
CREATE TABLE receiver_health (id INTEGER PRIMARY KEY CHECK (id = 1), probes BIGINT NOT NULL DEFAULT 0);
INSERT INTO receiver_health (id) VALUES (1);
`,
  },
  {
    // Per provider, the newest event the reconciler stored from the gateway's list (it pages back to here next time).
    version: 4,
    sql: `
CREATE TABLE reconcile_cursors (
  provider TEXT PRIMARY KEY,
  created_s BIGINT NOT NULL,
  event_id TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
`,
  },
];

/** The advisory lock key that serialises migrations across processes ("ipn-gauntlet" in ASCII, truncated). */
export const MIGRATION_LOCK_KEY = 0x69706e_6761;

/** The first key of the two-key session advisory locks by which live receiver processes are known ("ipnl"). */
export const LIVENESS_LOCK_CLASS = 0x69706e6c;
