// The module probe for this example: plain functions over the route's own SQLite tables, no probe server. The gauntlet
// loads it in its own process; it reads the database file from NEXT_SUBSCRIPTIONS_DB (set it before loading).
import Database from 'better-sqlite3';

/** The app's plan states as the probe contract's subscription statuses. */
export const statuses = {
  signup_pending: 'awaiting_payment',
  entitled: 'active',
  dunning: 'past_due',
  ended: 'canceled',
};
/** Prices and credits are kept in minor units, as Stripe sends them. */
export const amountsInMinorUnits = true;

const opened = new Map();

function database() {
  const file = process.env.NEXT_SUBSCRIPTIONS_DB;
  if (file === undefined || file === '') throw new Error('NEXT_SUBSCRIPTIONS_DB is not set');
  let db = opened.get(file);
  if (db === undefined) {
    // The route creates the tables; the probe only reads them and creates orders.
    db = new Database(file, { fileMustExist: true, timeout: 5_000 });
    opened.set(file, db);
  }
  return db;
}

/** The merchant's order (the plan bought at checkout), made before Stripe says anything about it. */
export async function createOrder(orderId, { amountMinor, currency }) {
  database()
    .prepare('INSERT OR IGNORE INTO plan_orders (order_id, price_minor, currency) VALUES (?, ?, ?)')
    .run(orderId, amountMinor, currency);
}

/**
 * The contract's view of a subscription "order": its state, the paid invoices credited (fulfillments: one per invoice;
 * amountPaid: their sum), nothing refunded.
 */
export async function readOrder(orderId) {
  const row = database()
    .prepare(
      `SELECT o.order_id AS orderId, o.state AS status, o.currency AS currency,
         COALESCE((SELECT SUM(c.amount_minor) FROM plan_credits c WHERE c.order_id = o.order_id), 0) AS amountPaid,
         0 AS amountRefunded,
         (SELECT COUNT(*) FROM plan_credits c WHERE c.order_id = o.order_id) AS fulfillments,
         0 AS refunds
       FROM plan_orders o WHERE o.order_id = ?`,
    )
    .get(orderId);
  return row ?? null;
}

export async function close() {
  for (const db of opened.values()) db.close();
  opened.clear();
}
