import type Database from 'better-sqlite3';
import { IpnError } from '../../contracts/errors.js';
import { type LifecycleFact, LifecycleFactSchema, type OrderTerms } from '../../contracts/lifecycle.js';
import { optionalDependency } from '../../contracts/optional-dependency.js';
import { OrderStatusSchema } from '../../contracts/probe.js';
import type { OrderProjector } from '../order-projection.js';
import { parseDeadLetterId } from './dead-letter-id.js';
import {
  type DeadLetterRow,
  deadLettersOrder,
  deadLettersSql,
  ownDeliveryCondition,
  toDetail,
  toSummary,
} from './dead-letter-rows.js';
import { groupCommit } from './group-commit.js';
import { SYNC_BUSY_MS, sqliteAccess } from './sqlite-access.js';
import { sqliteAddedColumns, sqliteIndexes, sqliteSchema } from './sqlite-schema.js';
import { storableDeadLetter, storableText } from './storable-text.js';
import {
  applyEach,
  type ClaimedFact,
  type DeliveryCheck,
  type InboxClaim,
  type InboxDelivery,
  type InboxRow,
  type ReceiverStorage,
  type ReplayOutcome,
  type StoredOrder,
} from './storage.js';
import { isStorageUnavailable } from './storage-unavailable.js';

interface OrderRow {
  order_id: string;
  amount_minor: number;
  currency: string;
  status: string;
  amount_paid_minor: number;
  amount_refunded_minor: number;
}

/** How long opening waits for another connection's lock (start-up may block; requests never wait this long). */
const OPEN_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_LOCK_WAIT_MS = 2_000;

export interface SqliteStorageOptions {
  readonly file: string;
  readonly projectOrder: OrderProjector;
  /**
   * Called inside each group-commit transaction of deliveries, just before it commits, with the number of deliveries
   * it holds; throwing aborts the transaction. For tests: count commits, inject a failed commit.
   */
  readonly beforeDeliveryCommit?: (deliveries: number) => void;
  /**
   * Keep the claims left in the file (default: end them, see below). For a second process on the file while the
   * receiver runs (`ipn-gauntlet receiver dead-letters`), which must not end the running receiver's claims.
   */
  readonly keepClaims?: boolean;
  /**
   * How long a write waits, in all, for a lock another connection holds before it fails with StorageUnavailableError
   * (a 503); the receiver keeps serving meanwhile (sqlite-access.ts). Default 2 000 ms.
   */
  readonly lockWaitMs?: number;
}

/**
 * The SQLite backend: one file in WAL mode with `synchronous = FULL`, so an acknowledged delivery survives a crash.
 * better-sqlite3 is synchronous, so each method runs as one immediate transaction without interleaving. Opening ends
 * the claims (and backoffs) left by a previous process, so a restart after a crash retries its rows at once. Concurrent
 * deliveries share one transaction (group commit), so throughput is not one fsync per request. A file that is locked,
 * read-only, full or failing answers StorageUnavailableError (sqlite-access.ts), and readiness says so.
 */
export function openSqliteStorage(options: SqliteStorageOptions): ReceiverStorage {
  const db = open(options.file, options.keepClaims === true);
  const { write, once, health } = sqliteAccess(options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);

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
    claim: db.prepare(
      `UPDATE inbox SET attempts = attempts + 1, available_at = ?
       WHERE rowid IN (
         SELECT rowid FROM inbox WHERE state = 'pending' AND available_at <= ? ORDER BY received_at, rowid LIMIT ?
       )
       RETURNING provider, event_id, body, attempts, received_at, rowid`,
    ),
    isClaimed: db
      .prepare(`SELECT 1 FROM inbox WHERE provider = ? AND event_id = ? AND state = 'pending' AND attempts = ?`)
      .pluck(),
    release: db.prepare(
      `UPDATE inbox SET available_at = 0 WHERE provider = ? AND event_id = ? AND state = 'pending' AND attempts = ?`,
    ),
    retryLater: db.prepare(
      `UPDATE inbox SET available_at = ?, last_error = ? WHERE provider = ? AND event_id = ? AND state = 'pending'`,
    ),
    pendingCount: db.prepare(`SELECT count(*) AS n FROM inbox WHERE state = 'pending'`).pluck(),
    reconcileCursor: db.prepare(`SELECT created_s, event_id FROM reconcile_cursors WHERE provider = ?`),
    saveReconcileCursor: db.prepare(
      `INSERT INTO reconcile_cursors (provider, created_s, event_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (provider) DO UPDATE SET created_s = excluded.created_s, event_id = excluded.event_id,
         updated_at = excluded.updated_at`,
    ),
    deadLetterCount: db.prepare(`SELECT count(*) AS n FROM (${deadLettersSql})`).pluck(),
    listDeadLetters: db.prepare(`SELECT * FROM (${deadLettersSql}) ${deadLettersOrder} LIMIT ? OFFSET ?`),
    showInboxDeadLetter: db.prepare(
      `SELECT 'inbox' AS source, NULL AS row_id, provider, event_id, COALESCE(last_error, 'dead') AS reason, attempts,
         received_at, body, headers
       FROM inbox WHERE provider = ? AND event_id = ? AND state = 'dead'`,
    ),
    showDeliveryDeadLetter: db.prepare(
      `SELECT 'delivery' AS source, id AS row_id, provider, event_id, reason, 0 AS attempts, received_at, body, headers
       FROM dead_letters WHERE id = ? AND ${ownDeliveryCondition}`,
    ),
    reviveInbox: db.prepare(
      `UPDATE inbox SET state = 'pending', attempts = 0, available_at = 0, last_error = NULL
       WHERE provider = ? AND event_id = ? AND state = 'dead'`,
    ),
    deleteDeadLetterCopies: db.prepare('DELETE FROM dead_letters WHERE provider = ? AND event_id = ?'),
    deleteDeadLetter: db.prepare('DELETE FROM dead_letters WHERE id = ?'),
    markDone: db.prepare(
      `UPDATE inbox SET state = 'done', last_error = NULL WHERE provider = ? AND event_id = ? AND state = 'pending'`,
    ),
    markDead: db.prepare(
      `UPDATE inbox SET state = 'dead', last_error = ? WHERE provider = ? AND event_id = ? AND state = 'pending'`,
    ),
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
    probeWrite: db.prepare('UPDATE receiver_health SET probes = probes + 1 WHERE id = 1'),
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

  /** Whether the row is still pending under this claim's attempt: otherwise a settle is stale and changes nothing. */
  const holds = (claim: InboxClaim) => sql.isClaimed.get(claim.provider, claim.eventId, claim.attempt) !== undefined;

  const moveToDead = (claim: InboxClaim, reason: string) => {
    const text = storableText(reason);
    sql.markDead.run(text, claim.provider, claim.eventId);
    sql.moveToDeadLetters.run(text, claim.provider, claim.eventId);
  };

  const applyOne = (claim: InboxClaim, fact: LifecycleFact | null, atMs: number) => {
    if (!holds(claim)) return 'stale' as const;
    if (fact !== null) {
      sql.insertFact.run(claim.provider, claim.eventId, fact.orderId, JSON.stringify(fact));
      const order = readOrder(fact.orderId);
      if (order !== undefined) recompute(termsOf(order), atMs);
    }
    sql.markDone.run(claim.provider, claim.eventId);
    return 'done' as const;
  };
  const applyFact = db.transaction(applyOne);

  /**
   * Several rows in one transaction, without a savepoint each: if one row throws, the whole batch rolls back and
   * applyFacts applies each row on its own (a savepoint a row was 15% of applying, measured).
   */
  const applyAll = db.transaction((items: readonly ClaimedFact[], atMs: number) =>
    items.map(({ claim, fact }) => applyOne(claim, fact, atMs)),
  );

  const recordFailure = db.transaction((claim: InboxClaim, error: string, maxAttempts: number, retryAtMs: number) => {
    if (!holds(claim)) return 'stale' as const;
    if (claim.attempt < maxAttempts) {
      sql.retryLater.run(retryAtMs, storableText(error), claim.provider, claim.eventId);
      return 'retry' as const;
    }
    moveToDead(claim, `gave up after ${claim.attempt} attempts: ${error}`);
    return 'dead' as const;
  });

  const deadLetter = db.transaction((claim: InboxClaim, reason: string) => {
    if (!holds(claim)) return 'stale' as const;
    moveToDead(claim, reason);
    return 'dead' as const;
  });

  const claimPending = db.transaction((limit: number, atMs: number, leaseMs: number) => {
    const rows = sql.claim.all(atMs + leaseMs, atMs, limit) as {
      provider: string;
      event_id: string;
      body: Buffer;
      attempts: number;
      received_at: number;
      rowid: number;
    }[];
    // RETURNING gives no order guarantee: restore the oldest-first order of the claim.
    rows.sort((a, b) => a.received_at - b.received_at || a.rowid - b.rowid);
    return rows.map(
      (r): InboxRow => ({
        provider: r.provider,
        eventId: r.event_id,
        body: r.body,
        attempt: r.attempts,
        receivedAtMs: r.received_at,
      }),
    );
  });

  const release = db.transaction((claims: readonly InboxClaim[]) => {
    for (const claim of claims) sql.release.run(claim.provider, claim.eventId, claim.attempt);
  });

  const recordDeliveries = db.transaction((deliveries: readonly InboxDelivery[]) => {
    const outcomes = deliveries.map((d) => {
      const result = sql.insertInbox.run(
        d.provider,
        d.eventId,
        d.receivedAtMs,
        Buffer.from(d.body),
        JSON.stringify(d.headers),
      );
      return { duplicate: result.changes === 0 };
    });
    options.beforeDeliveryCommit?.(deliveries.length);
    return outcomes;
  });
  const recordDelivery = groupCommit((deliveries: readonly InboxDelivery[]) =>
    write('storing a delivery', () => recordDeliveries.immediate(deliveries)),
  );

  type DetailRow = DeadLetterRow & { body: Buffer; headers: string };

  const showDeadLetter = db.transaction((id: string) => {
    const ref = parseDeadLetterId(id);
    if (ref === null) return null;
    const row = (
      ref.source === 'inbox'
        ? sql.showInboxDeadLetter.get(ref.provider, ref.eventId)
        : sql.showDeliveryDeadLetter.get(ref.row)
    ) as DetailRow | undefined;
    return row === undefined ? null : toDetail(row);
  });

  const replayDeadLetter = db.transaction((id: string, check: DeliveryCheck, atMs: number): ReplayOutcome => {
    const ref = parseDeadLetterId(id);
    if (ref === null) return { outcome: 'not_found' };
    if (ref.source === 'inbox') {
      if (sql.reviveInbox.run(ref.provider, ref.eventId).changes === 0) return { outcome: 'not_found' };
      sql.deleteDeadLetterCopies.run(ref.provider, ref.eventId);
      return { outcome: 'replayed', provider: ref.provider, eventId: ref.eventId, duplicate: false };
    }
    const row = sql.showDeliveryDeadLetter.get(ref.row) as DetailRow | undefined;
    if (row === undefined) return { outcome: 'not_found' };
    const letter = toDetail(row);
    const verdict = check(letter);
    if (!verdict.ok) return { outcome: 'rejected', reason: verdict.reason };
    const inserted = sql.insertInbox.run(row.provider, verdict.eventId, atMs, row.body, row.headers);
    sql.deleteDeadLetter.run(ref.row);
    return { outcome: 'replayed', provider: row.provider, eventId: verdict.eventId, duplicate: inserted.changes === 0 };
  });

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

  /**
   * The worker's transactions (claims, applying an event, a failed attempt, a dead letter) commit without waiting for
   * the disk (`synchronous = NORMAL`; WAL keeps each atomic): if power fails before the next synced commit they are
   * lost whole, so the inbox row is pending again and is applied again, its effect with it, never twice. Deliveries,
   * the acknowledged part, stay `FULL`, and a `FULL` commit makes every earlier commit durable too. An fsync per
   * applied event had the worker block the event loop once per event: 2,150 → 2,870 acknowledged/s under the load of
   * benchmark 2 on one machine, side by side.
   */
  const relaxed = db.prepare('PRAGMA synchronous = NORMAL');
  const synced = db.prepare('PRAGMA synchronous = FULL');
  const redoable = <T>(transaction: () => T): T => {
    relaxed.run();
    try {
      return transaction();
    } finally {
      synced.run();
    }
  };

  const pendingCount = () => once('counting pending events', () => sql.pendingCount.get() as number);

  return {
    recordDelivery,
    async recordDeadLetter(l) {
      const { eventId, reason } = storableDeadLetter(l);
      await write('storing a dead letter', () =>
        sql.insertDeadLetter.run(
          l.provider,
          eventId,
          reason,
          Buffer.from(l.body),
          JSON.stringify(l.headers),
          l.receivedAtMs,
        ),
      );
    },
    claimPending: (limit, atMs, leaseMs) =>
      write('claiming inbox rows', () => redoable(() => claimPending.immediate(limit, atMs, leaseMs))),
    async applyFacts(items, atMs) {
      // One commit for the batch: a commit per event was most of the worker's time (184 → 39 µs an event measured).
      if (items.length > 1) {
        try {
          return await write('applying events', () => redoable(() => applyAll.immediate(items, atMs)));
        } catch (error) {
          if (isStorageUnavailable(error)) throw error;
          // One row threw and the batch rolled back: each on its own, so the others apply and that one is known.
        }
      }
      return applyEach(items, ({ claim, fact }) =>
        write('applying an event', () => redoable(() => applyFact.immediate(claim, fact, atMs))),
      );
    },
    recordFailure: (claim, failure) =>
      write('recording a failed attempt', () =>
        redoable(() => recordFailure.immediate(claim, failure.error, failure.maxAttempts, failure.retryAtMs)),
      ),
    deadLetter: (claim, reason) =>
      write('moving an event to dead letters', () => redoable(() => deadLetter.immediate(claim, reason))),
    async release(claims) {
      if (claims.length > 0) await write('releasing claims', () => redoable(() => release.immediate(claims)));
    },
    async pendingCount() {
      return pendingCount();
    },
    health: () =>
      health.check(
        async () => pendingCount(),
        async () => {
          once('probing a write', () => sql.probeWrite.run());
        },
      ),
    async reconcileCursor(provider) {
      const row = once(
        'reading the reconcile cursor',
        () => sql.reconcileCursor.get(provider) as { created_s: number; event_id: string } | undefined,
      );
      return row === undefined ? null : { createdSeconds: row.created_s, eventId: row.event_id };
    },
    async saveReconcileCursor(provider, cursor, atMs) {
      await write('saving the reconcile cursor', () =>
        sql.saveReconcileCursor.run(provider, cursor.createdSeconds, cursor.eventId, atMs),
      );
    },
    async deadLetterCount() {
      return once('counting dead letters', () => sql.deadLetterCount.get() as number);
    },
    async listDeadLetters(page) {
      return once('listing dead letters', () =>
        (sql.listDeadLetters.all(page.limit, page.offset) as DeadLetterRow[]).map(toSummary),
      );
    },
    async showDeadLetter(id) {
      return once('reading a dead letter', () => showDeadLetter(id));
    },
    replayDeadLetter: (id, check, atMs) =>
      write('replaying a dead letter', () => replayDeadLetter.immediate(id, check, atMs)),
    putOrder: (terms, atMs) => write('creating an order', () => putOrder.immediate(terms, atMs)),
    async getOrder(orderId) {
      return once('reading an order', () => {
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
      });
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

function open(file: string, keepClaims: boolean): Database.Database {
  const Sqlite = optionalDependency<typeof Database>('better-sqlite3', 'The reference receiver on SQLite');
  let db: Database.Database | undefined;
  try {
    db = new Sqlite(file);
    db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(sqliteSchema);
    addMissingColumns(db);
    db.exec(sqliteIndexes);
    // One receiver process per file: claims left by a previous process (killed mid-pass) end now, not at their lease.
    if (!keepClaims) db.prepare(`UPDATE inbox SET available_at = 0 WHERE state = 'pending' AND available_at > 0`).run();
    db.pragma(`busy_timeout = ${SYNC_BUSY_MS}`);
    return db;
  } catch (error) {
    db?.close();
    throw new IpnError('IPN_ERR_STORAGE', `could not open the SQLite database "${file}" (${String(error)}).`, {
      cause: error,
    });
  }
}

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, definition] of sqliteAddedColumns) {
    const columns = db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
    if (!columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}
