/**
 * The subscription store: its own tables and status words, as a SaaS app keeps them, in one SQLite file that the
 * route writes and probe.mjs reads. Every effect of an event happens in one transaction with the row that records the
 * event's id, so a redelivery is a no-op.
 */
import Database from 'better-sqlite3';

/** The app's words for a plan's state (probe.mjs maps them to the probe contract's). */
export type PlanState = 'signup_pending' | 'entitled' | 'dunning' | 'ended';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plan_orders (
  order_id TEXT PRIMARY KEY,
  price_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'signup_pending',
  -- The Stripe event time and lifecycle rank of the status event the state came from (-1: none yet).
  state_at INTEGER NOT NULL DEFAULT -1,
  state_rank INTEGER NOT NULL DEFAULT -1
);
CREATE TABLE IF NOT EXISTS plan_credits (
  -- One credit per paid invoice; the bug credits-per-delivery keys it by event id instead.
  credit_key TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES plan_orders(order_id),
  invoice_id TEXT NOT NULL,
  amount_minor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_dunning (
  invoice_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES plan_orders(order_id)
);
CREATE TABLE IF NOT EXISTS stripe_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  received_at TEXT NOT NULL
);
`;

export function openStore(file: string): Database.Database {
  const db = new Database(file, { timeout: 5_000 });
  // WAL: the probe reads on its own connection while the route writes.
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}
