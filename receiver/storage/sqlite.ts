import Database from 'better-sqlite3';
import { IpnError } from '../../contracts/errors.js';
import { type LifecycleFact, LifecycleFactSchema, type OrderTerms } from '../../contracts/lifecycle.js';
import { OrderStatusSchema } from '../../contracts/probe.js';
import type { OrderProjector } from '../order-projection.js';
import { sqliteSchema } from './sqlite-schema.js';
import type { InboxKey, InboxRow, ReceiverStorage, StoredOrder } from './storage.js';

interface OrderRow {
  order_id: string;
  amount_minor: number;
  currency: string;
  status: string;
  amount_paid_minor: number;
  amount_refunded_minor: number;
}

const BUSY_TIMEOUT_MS = 5_000;

/**
 * The SQLite backend: one file in WAL mode with `synchronous = FULL`, so an acknowledged delivery survives a crash.
 * better-sqlite3 is synchronous, so each method runs as one immediate transaction without interleaving.
 */
export function openSqliteStorage(options: { file: string; projectOrder: OrderProjector }): ReceiverStorage {
  const db = open(options.file);

  const sql = {
    insertInbox: db.prepare(
      `INSERT INTO inbox (provider, event_id, received_at, body, headers) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, event_id) DO NOTHING`,
    ),
    insertDeadLetter: db.prepare(
      'INSERT INTO dead_letters (provider, event_id, reason, body, headers, received_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    moveToDeadLetters: db.prepare(
      `INSERT INTO dead_letters (provider, event_id, reason, body, headers, received_at)
       SELECT provider, event_id, ?, body, headers, received_at FROM inbox WHERE provider = ? AND event_id = ?`,
    ),
    pending: db.prepare(
      `SELECT provider, event_id, body, attempts FROM inbox WHERE state = 'pending'
       ORDER BY received_at, rowid LIMIT ?`,
    ),
    pendingCount: db.prepare(`SELECT count(*) AS n FROM inbox WHERE state = 'pending'`).pluck(),
    markDone: db.prepare(
      `UPDATE inbox SET state = 'done', last_error = NULL WHERE provider = ? AND event_id = ? AND state = 'pending'`,
    ),
    markDead: db.prepare(
      `UPDATE inbox SET state = 'dead', last_error = ? WHERE provider = ? AND event_id = ? AND state = 'pending'`,
    ),
    countAttempt: db
      .prepare(
        `UPDATE inbox SET attempts = attempts + 1, last_error = ? WHERE provider = ? AND event_id = ? AND state = 'pending'
         RETURNING attempts`,
      )
      .pluck(),
    insertFact: db.prepare(
      'INSERT INTO facts (provider, event_id, order_id, fact) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    factsOf: db.prepare('SELECT fact FROM facts WHERE order_id = ?').pluck(),
    order: db.prepare('SELECT * FROM orders WHERE order_id = ?'),
    insertOrder: db.prepare(
      `INSERT INTO orders (order_id, amount_minor, currency, status, created_at, updated_at)
       VALUES (?, ?, ?, 'awaiting_payment', ?, ?)`,
    ),
    updateOrder: db.prepare(
      `UPDATE orders SET status = ?, amount_paid_minor = ?, amount_refunded_minor = ?, updated_at = ? WHERE order_id = ?`,
    ),
    insertEffect: db.prepare(
      'INSERT INTO effects (key, order_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
    ),
    effectCounts: db.prepare(
      `SELECT count(*) FILTER (WHERE kind = 'fulfillment') AS fulfillments, count(*) FILTER (WHERE kind = 'refund') AS refunds
       FROM effects WHERE order_id = ?`,
    ),
  };

  const readOrder = (orderId: string) => sql.order.get(orderId) as OrderRow | undefined;
  const termsOf = (row: OrderRow): OrderTerms => ({
    orderId: row.order_id,
    amountMinor: row.amount_minor,
    currency: row.currency,
  });

  function recompute(terms: OrderTerms, atMs: number): void {
    const facts = (sql.factsOf.all(terms.orderId) as string[]).map(
      (json): LifecycleFact => LifecycleFactSchema.parse(JSON.parse(json)),
    );
    const projection = options.projectOrder(terms, facts);
    sql.updateOrder.run(
      projection.status,
      projection.amountPaidMinor,
      projection.amountRefundedMinor,
      atMs,
      terms.orderId,
    );
    for (const effect of projection.effects) sql.insertEffect.run(effect.key, effect.orderId, effect.kind, atMs);
  }

  const moveToDead = (key: InboxKey, reason: string) => {
    // Only a pending row moves, so a row another process has settled is never dead-lettered twice.
    if (sql.markDead.run(reason, key.provider, key.eventId).changes === 0) return;
    sql.moveToDeadLetters.run(reason, key.provider, key.eventId);
  };

  const applyFact = db.transaction((key: InboxKey, fact: LifecycleFact | null, atMs: number) => {
    if (fact !== null) {
      sql.insertFact.run(key.provider, key.eventId, fact.orderId, JSON.stringify(fact));
      const order = readOrder(fact.orderId);
      if (order !== undefined) recompute(termsOf(order), atMs);
    }
    sql.markDone.run(key.provider, key.eventId);
  });

  const recordFailure = db.transaction((key: InboxKey, error: string, maxAttempts: number) => {
    const attempts = sql.countAttempt.get(error, key.provider, key.eventId) as number | undefined;
    if (attempts === undefined || attempts < maxAttempts) return 'retry' as const;
    moveToDead(key, `gave up after ${attempts} attempts: ${error}`);
    return 'dead' as const;
  });

  const deadLetter = db.transaction(moveToDead);

  const putOrder = db.transaction((terms: OrderTerms, atMs: number) => {
    const existing = readOrder(terms.orderId);
    if (existing !== undefined) {
      const same = existing.amount_minor === terms.amountMinor && existing.currency === terms.currency;
      return same ? { outcome: 'unchanged' as const } : { outcome: 'conflict' as const, existing: termsOf(existing) };
    }
    sql.insertOrder.run(terms.orderId, terms.amountMinor, terms.currency, atMs, atMs);
    recompute(terms, atMs);
    return { outcome: 'created' as const };
  });

  return {
    async recordDelivery(d) {
      const result = sql.insertInbox.run(
        d.provider,
        d.eventId,
        d.receivedAtMs,
        Buffer.from(d.body),
        JSON.stringify(d.headers),
      );
      return { duplicate: result.changes === 0 };
    },
    async recordDeadLetter(l) {
      sql.insertDeadLetter.run(
        l.provider,
        l.eventId,
        l.reason,
        Buffer.from(l.body),
        JSON.stringify(l.headers),
        l.receivedAtMs,
      );
    },
    async claimPending(limit) {
      const rows = sql.pending.all(limit) as { provider: string; event_id: string; body: Buffer; attempts: number }[];
      return rows.map(
        (r): InboxRow => ({ provider: r.provider, eventId: r.event_id, body: r.body, attempts: r.attempts }),
      );
    },
    async applyFact(key, fact, atMs) {
      applyFact.immediate(key, fact, atMs);
    },
    async recordFailure(key, error, maxAttempts) {
      return recordFailure.immediate(key, error, maxAttempts);
    },
    async deadLetter(key, reason) {
      deadLetter.immediate(key, reason);
    },
    async pendingCount() {
      return sql.pendingCount.get() as number;
    },
    async putOrder(terms, atMs) {
      return putOrder.immediate(terms, atMs);
    },
    async getOrder(orderId) {
      const row = readOrder(orderId);
      if (row === undefined) return null;
      const counts = sql.effectCounts.get(orderId) as { fulfillments: number; refunds: number };
      const stored: StoredOrder = {
        terms: termsOf(row),
        status: OrderStatusSchema.parse(row.status),
        amountPaidMinor: row.amount_paid_minor,
        amountRefundedMinor: row.amount_refunded_minor,
        fulfillments: counts.fulfillments,
        refunds: counts.refunds,
      };
      return stored;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

function open(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(sqliteSchema);
    return db;
  } catch (error) {
    db?.close();
    throw new IpnError('IPN_ERR_STORAGE', `could not open the SQLite database "${file}" (${String(error)}).`, {
      cause: error,
    });
  }
}
