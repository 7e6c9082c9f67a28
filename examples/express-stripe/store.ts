import Database from 'better-sqlite3';

/**
 * The shop's own SQLite tables, as a SaaS starter keeps them: orders under their own status words, one credit grant
 * per paid checkout (the side effect that must happen once), and the Stripe event ids already processed. The gauntlet
 * never sees these names: probe.json maps them onto the probe contract.
 */
export type OrderState = 'open' | 'processing' | 'paid' | 'payment_failed' | 'needs_review';

export interface OrderRow {
  id: string;
  total_cents: number;
  currency: string;
  state: OrderState;
  paid_cents: number;
  /** The newest pending/failed event applied so far (gateway time, then its rank), so a stale one changes nothing. */
  attempt_at: number | null;
  attempt_rank: number | null;
}

/** What one Checkout Session event says about its order's payment, in the shop's terms. */
export interface PaymentNews {
  orderId: string;
  kind: 'pending' | 'succeeded' | 'failed';
  amountCents: number;
  currency: string;
  /** The event's `created`, unix seconds. */
  at: number;
  sessionId: string;
  eventId: string;
}

const schema = `
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  total_cents INTEGER NOT NULL,
  currency TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',
  paid_cents INTEGER NOT NULL DEFAULT 0,
  attempt_at INTEGER,
  attempt_rank INTEGER
);
CREATE TABLE IF NOT EXISTS credit_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS processed_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
`;

/** Same gateway time: a failure outranks a pending notice (the contract's tie rule, contracts/lifecycle.ts). */
const rank = { pending: 0, failed: 1 } as const;

export interface Store {
  readonly db: Database.Database;
  /** Records the event id; false when it was already there (a redelivery). */
  markProcessed(eventId: string, type: string): boolean;
  /** Whether the event id was processed before (the read of a check-then-insert). */
  wasProcessed(eventId: string): boolean;
  /** Applies one payment event to its order; nothing for an order this shop never created. */
  apply(news: PaymentNews): void;
  /** `fn` in one SQLite transaction (better-sqlite3 runs it synchronously: nothing interleaves inside). */
  transaction(fn: () => void): void;
  close(): void;
}

export function openStore(file: string): Store {
  const db = new Database(file);
  // WAL lets the gauntlet's probe read through its own connection while the app writes.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  const insertEvent = db.prepare(
    'INSERT OR IGNORE INTO processed_events (event_id, type, received_at) VALUES (?, ?, ?)',
  );
  const selectEvent = db.prepare('SELECT 1 FROM processed_events WHERE event_id = ?');
  const selectOrder = db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?');
  const setPaid = db.prepare(
    "UPDATE orders SET paid_cents = total_cents, state = CASE WHEN state = 'needs_review' THEN state ELSE 'paid' END WHERE id = ?",
  );
  const setReview = db.prepare("UPDATE orders SET state = 'needs_review' WHERE id = ?");
  const setAttempt = db.prepare('UPDATE orders SET state = ?, attempt_at = ?, attempt_rank = ? WHERE id = ?');
  const grant = db.prepare('INSERT INTO credit_grants (order_id, session_id, event_id) VALUES (?, ?, ?)');

  function apply(news: PaymentNews): void {
    const order = selectOrder.get(news.orderId);
    if (order === undefined) return;
    if (news.kind === 'succeeded') {
      const exact = news.amountCents === order.total_cents && news.currency === order.currency.toUpperCase();
      if (!exact) {
        // Paid, but not what the order costs: a human looks at it; no credits for it.
        setReview.run(order.id);
        return;
      }
      setPaid.run(order.id);
      // One grant per paid checkout event: only the event-id dedupe keeps a redelivery from granting again.
      grant.run(order.id, news.sessionId, news.eventId);
      return;
    }
    // A pending or failed notice never undoes a payment, and only a newer one replaces the last.
    if (order.state === 'paid' || order.state === 'needs_review') return;
    const newer =
      order.attempt_at === null ||
      news.at > order.attempt_at ||
      (news.at === order.attempt_at && rank[news.kind] >= (order.attempt_rank ?? 0));
    if (!newer) return;
    setAttempt.run(news.kind === 'pending' ? 'processing' : 'payment_failed', news.at, rank[news.kind], order.id);
  }

  return {
    db,
    markProcessed: (eventId, type) => insertEvent.run(eventId, type, Date.now()).changes === 1,
    wasProcessed: (eventId) => selectEvent.get(eventId) !== undefined,
    apply,
    transaction: (fn) => db.transaction(fn)(),
    close: () => db.close(),
  };
}
