import type pg from 'pg';
import { type LifecycleFact, LifecycleFactSchema, type OrderTerms } from '../../contracts/lifecycle.js';
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
import { openPool } from './postgres-pool.js';
import { LIVENESS_LOCK_CLASS } from './postgres-schema.js';
import { storableDeadLetter, storableText } from './storable-text.js';
import {
  type AppliedOutcome,
  applyEach,
  type ClaimedFact,
  type DeadLetterDetail,
  type InboxClaim,
  type InboxDelivery,
  type InboxRow,
  type PutOrderOutcome,
  type ReceiverStorage,
  type ReplayOutcome,
  type StoredOrder,
} from './storage.js';
import { isStorageUnavailable } from './storage-unavailable.js';

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** The schema holding the tables, created when missing; lets several receivers (or test runs) share a database. */
  readonly schema: string;
  readonly projectOrder: OrderProjector;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** How long to wait for a connection before answering 503 (default 5 000 ms). */
  readonly connectionTimeoutMs?: number;
}

interface OrderRow {
  order_id: string;
  amount_minor: string;
  currency: string;
  status: string;
  amount_paid_minor: string;
  amount_refunded_minor: string;
}

type Client = pg.PoolClient;

type DetailRow = DeadLetterRow & { body: Buffer; headers: unknown };

const showInboxDeadLetterSql = `SELECT 'inbox' AS source, NULL AS row_id, provider, event_id,
    COALESCE(last_error, 'dead') AS reason, attempts, received_at, body, headers
  FROM inbox WHERE provider = $1 AND event_id = $2 AND state = 'dead'`;

const showDeliveryDeadLetterSql = `SELECT 'delivery' AS source, id AS row_id, provider, event_id, reason, 0 AS attempts,
    received_at, body, headers
  FROM dead_letters WHERE id = $1 AND ${ownDeliveryCondition}`;

/**
 * The PostgreSQL backend (node-postgres): every method is one transaction, so several receiver processes may share one
 * database. Unique constraints do the dedupe (`INSERT … ON CONFLICT DO NOTHING`); inbox rows are claimed with
 * `FOR UPDATE SKIP LOCKED`; the work on one order is serialised by a transaction-scoped advisory lock on its id, so two
 * processes applying facts of the same order (or creating it meanwhile) never lose a fact. Migrations run
 * at open (`postgres-pool.ts`).
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<ReceiverStorage> {
  const pool = await openPool(options);
  const { transaction, statement } = pool;
  /**
   * The worker's transactions (applying an event, a failed attempt, a dead letter, releasing claims) do not wait for
   * the WAL flush (`synchronous_commit = off` for that transaction only): a server crash loses at most the last few,
   * whole and in order, so their inbox rows are pending again and applied again, never twice. Deliveries, the
   * acknowledged part, keep the server's setting, and a synchronous commit flushes every earlier one with it.
   */
  const redoable = <T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    transaction(what, async (client) => {
      await client.query('SET LOCAL synchronous_commit = off');
      return work(client);
    });

  const lockOrder = (client: Client, orderId: string) =>
    client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [orderId]);

  const readOrder = async (client: Client, orderId: string) =>
    (await client.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1', [orderId])).rows[0];

  async function recompute(client: Client, terms: OrderTerms, atMs: number): Promise<void> {
    const { rows } = await client.query<{ fact: unknown }>('SELECT fact FROM facts WHERE order_id = $1', [
      terms.orderId,
    ]);
    await project(
      client,
      terms,
      rows.map((row) => row.fact),
      atMs,
    );
  }

  /** Writes an order's projection of its stored facts: its status and amounts, and the side effects it calls for. */
  async function project(client: Client, terms: OrderTerms, stored: readonly unknown[], atMs: number): Promise<void> {
    const facts = stored.map((fact): LifecycleFact => LifecycleFactSchema.parse(fact));
    const projection = options.projectOrder(terms, facts);
    await client.query(
      `UPDATE orders SET status = $1, amount_paid_minor = $2, amount_refunded_minor = $3, updated_at = $4
       WHERE order_id = $5`,
      [projection.status, projection.amountPaidMinor, projection.amountRefundedMinor, atMs, terms.orderId],
    );
    for (const effect of projection.effects) {
      await client.query(
        'INSERT INTO effects (key, order_id, kind, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING',
        [effect.key, effect.orderId, effect.kind, atMs],
      );
    }
  }

  /** Locks the inbox row if it is still pending under this claim's attempt; otherwise the settle is stale. */
  const holds = async (client: Client, claim: InboxClaim) =>
    (
      await client.query(
        `SELECT 1 FROM inbox WHERE provider = $1 AND event_id = $2 AND state = 'pending' AND attempts = $3
         FOR UPDATE`,
        [claim.provider, claim.eventId, claim.attempt],
      )
    ).rowCount === 1;

  async function moveToDead(client: Client, claim: InboxClaim, reason: string): Promise<void> {
    const text = storableText(reason);
    await client.query(`UPDATE inbox SET state = 'dead', last_error = $1 WHERE provider = $2 AND event_id = $3`, [
      text,
      claim.provider,
      claim.eventId,
    ]);
    await client.query(
      `INSERT INTO dead_letters (provider, event_id, reason, body, headers, received_at)
       SELECT provider, event_id, $1, body, headers, received_at FROM inbox WHERE provider = $2 AND event_id = $3`,
      [text, claim.provider, claim.eventId],
    );
  }

  const pendingCount = async () => {
    const { rows } = await statement(
      'counting pending events',
      `SELECT count(*) AS n FROM inbox WHERE state = 'pending'`,
      [],
    );
    return Number((rows[0] as { n: string }).n);
  };

  const applyOne = (claim: InboxClaim, fact: LifecycleFact | null, atMs: number) =>
    redoable('applying an event', async (client): Promise<'done' | 'stale'> => {
      if (!(await holds(client, claim))) return 'stale';
      if (fact !== null) {
        await lockOrder(client, fact.orderId);
        await client.query(
          'INSERT INTO facts (provider, event_id, order_id, fact) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [claim.provider, claim.eventId, fact.orderId, JSON.stringify(fact)],
        );
        const order = await readOrder(client, fact.orderId);
        if (order !== undefined) await recompute(client, termsOf(order), atMs);
      }
      await client.query(`UPDATE inbox SET state = 'done', last_error = NULL WHERE provider = $1 AND event_id = $2`, [
        claim.provider,
        claim.eventId,
      ]);
      return 'done';
    });

  /**
   * Several rows in one transaction: the inbox rows still held, locked in key order; then the orders' advisory locks in
   * the order of their lock keys, so two workers' batches never wait on each other in a cycle; the facts; each order
   * recomputed once, from all its facts; the rows marked done. Any error rolls the batch back and the caller applies
   * each row on its own, so one row's failure is that row's alone.
   */
  const applyBatch = (items: readonly ClaimedFact[], atMs: number) =>
    redoable('applying events', async (client): Promise<AppliedOutcome[]> => {
      const sorted = [...items].sort((a, b) => compareKeys(a.claim, b.claim));
      const { rows: pending } = await client.query<{ provider: string; event_id: string; attempts: number }>(
        `SELECT provider, event_id, attempts FROM inbox
         WHERE (provider, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND state = 'pending'
         ORDER BY provider COLLATE "C", event_id COLLATE "C" FOR UPDATE`,
        [sorted.map((i) => i.claim.provider), sorted.map((i) => i.claim.eventId)],
      );
      const attempts = new Map(pending.map((r) => [inboxKey(r.provider, r.event_id), r.attempts]));
      const held = items.filter((i) => attempts.get(inboxKey(i.claim.provider, i.claim.eventId)) === i.claim.attempt);
      const withFacts = held.flatMap((i) => (i.fact === null ? [] : [{ claim: i.claim, fact: i.fact }]));
      const orderIds = [...new Set(withFacts.map((i) => i.fact.orderId))];
      if (orderIds.length > 0) {
        // OFFSET 0 keeps the sorted subquery a subquery: the locks are taken in its order.
        await client.query(
          `SELECT pg_advisory_xact_lock(k) FROM (
             SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest($1::text[]) AS id ORDER BY k OFFSET 0
           ) AS keys`,
          [orderIds],
        );
        await client.query(
          `INSERT INTO facts (provider, event_id, order_id, fact)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) ON CONFLICT DO NOTHING`,
          [
            withFacts.map((i) => i.claim.provider),
            withFacts.map((i) => i.claim.eventId),
            withFacts.map((i) => i.fact.orderId),
            withFacts.map((i) => JSON.stringify(i.fact)),
          ],
        );
        const { rows: orders } = await client.query<OrderRow>(
          'SELECT * FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id',
          [orderIds],
        );
        const { rows: facts } = await client.query<{ order_id: string; fact: unknown }>(
          'SELECT order_id, fact FROM facts WHERE order_id = ANY($1::text[])',
          [orders.map((o) => o.order_id)],
        );
        for (const order of orders) {
          const own = facts.filter((f) => f.order_id === order.order_id).map((f) => f.fact);
          await project(client, termsOf(order), own, atMs);
        }
      }
      if (held.length > 0) {
        await client.query(
          `UPDATE inbox SET state = 'done', last_error = NULL
           WHERE (provider, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [held.map((i) => i.claim.provider), held.map((i) => i.claim.eventId)],
        );
      }
      const done = new Set(held);
      return items.map((i) => (done.has(i) ? 'done' : 'stale'));
    });

  /**
   * Group commit: the deliveries that arrive while one INSERT is in flight are written by the next, in one statement
   * (one commit, one WAL flush). In key order, so two receivers' batches of the same events never deadlock.
   */
  const recordDeliveries = async (deliveries: readonly InboxDelivery[]) => {
    const sorted = [...deliveries].sort(compareKeys);
    const { rows } = await statement(
      'storing a delivery',
      `INSERT INTO inbox (provider, event_id, received_at, body, headers)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::text[])
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING provider, event_id`,
      [
        sorted.map((d) => d.provider),
        sorted.map((d) => d.eventId),
        sorted.map((d) => d.receivedAtMs),
        sorted.map((d) => Buffer.from(d.body)),
        sorted.map((d) => JSON.stringify(d.headers)),
      ],
    );
    // The first of a batch's copies of one event is the one stored; the others, like earlier ones, are duplicates.
    const stored = new Set(
      (rows as { provider: string; event_id: string }[]).map((r) => inboxKey(r.provider, r.event_id)),
    );
    return deliveries.map((d) => ({ duplicate: !stored.delete(inboxKey(d.provider, d.eventId)) }));
  };

  return {
    recordDelivery: groupCommit(recordDeliveries),
    async recordDeadLetter(l) {
      const { eventId, reason } = storableDeadLetter(l);
      await statement(
        'storing a dead letter',
        `INSERT INTO dead_letters (provider, event_id, reason, body, headers, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [l.provider, eventId, reason, Buffer.from(l.body), JSON.stringify(l.headers), l.receivedAtMs],
      );
    },
    async claimPending(limit, atMs, leaseMs) {
      // Null while this process's liveness lock is not held: the claims are then kept by their lease alone.
      const owner = await pool.owner();
      const { rows } = await statement(
        'claiming inbox rows',
        `UPDATE inbox SET attempts = attempts + 1, available_at = $1, claimed_by = $4
         WHERE (provider, event_id) IN (
           SELECT provider, event_id FROM inbox
           WHERE state = 'pending'
             AND (available_at <= $2 OR (claimed_by IS NOT NULL AND claimed_by <> $4 AND claimed_by NOT IN (
               SELECT objid::bigint FROM pg_locks
               WHERE locktype = 'advisory' AND classid = $5::bigint::oid AND objsubid = 2 AND granted
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))))
           ORDER BY received_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED
         )
         RETURNING provider, event_id, body, attempts, received_at, seq`,
        [atMs + leaseMs, atMs, limit, owner, LIVENESS_LOCK_CLASS],
      );
      const claimed = rows as {
        provider: string;
        event_id: string;
        body: Buffer;
        attempts: number;
        received_at: string;
        seq: string;
      }[];
      // RETURNING gives no order guarantee: restore the oldest-first order of the claim.
      claimed.sort((a, b) => Number(a.received_at) - Number(b.received_at) || Number(a.seq) - Number(b.seq));
      return claimed.map(
        (r): InboxRow => ({
          provider: r.provider,
          eventId: r.event_id,
          body: r.body,
          attempt: r.attempts,
          receivedAtMs: Number(r.received_at),
        }),
      );
    },
    async applyFacts(items, atMs) {
      if (items.length > 1) {
        try {
          return await applyBatch(items, atMs);
        } catch (error) {
          if (isStorageUnavailable(error)) throw error;
          // One row threw and the batch rolled back: each on its own, so the others apply and that one is known.
        }
      }
      return applyEach(items, ({ claim, fact }) => applyOne(claim, fact, atMs));
    },
    recordFailure(claim, failure) {
      return redoable('recording a failed attempt', async (client) => {
        if (!(await holds(client, claim))) return 'stale';
        if (claim.attempt < failure.maxAttempts) {
          await client.query(
            'UPDATE inbox SET available_at = $1, last_error = $2, claimed_by = NULL WHERE provider = $3 AND event_id = $4',
            [failure.retryAtMs, storableText(failure.error), claim.provider, claim.eventId],
          );
          return 'retry';
        }
        await moveToDead(client, claim, `gave up after ${claim.attempt} attempts: ${failure.error}`);
        return 'dead';
      });
    },
    deadLetter(claim, reason) {
      return redoable('moving an event to dead letters', async (client) => {
        if (!(await holds(client, claim))) return 'stale';
        await moveToDead(client, claim, reason);
        return 'dead';
      });
    },
    async release(claims) {
      if (claims.length === 0) return;
      await redoable('releasing claims', async (client) => {
        // In key order, as a batch locks its rows: two transactions locking the same rows never wait in a cycle.
        for (const claim of [...claims].sort(compareKeys)) {
          await client.query(
            `UPDATE inbox SET available_at = 0, claimed_by = NULL
             WHERE provider = $1 AND event_id = $2 AND state = 'pending' AND attempts = $3`,
            [claim.provider, claim.eventId, claim.attempt],
          );
        }
      });
    },
    pendingCount,
    async reconcileCursor(provider) {
      const { rows } = await statement(
        'reading the reconcile cursor',
        'SELECT created_s, event_id FROM reconcile_cursors WHERE provider = $1',
        [provider],
      );
      const row = rows[0] as { created_s: string; event_id: string } | undefined;
      return row === undefined ? null : { createdSeconds: Number(row.created_s), eventId: row.event_id };
    },
    async saveReconcileCursor(provider, cursor, atMs) {
      await statement(
        'saving the reconcile cursor',
        `INSERT INTO reconcile_cursors (provider, created_s, event_id, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider) DO UPDATE SET created_s = EXCLUDED.created_s, event_id = EXCLUDED.event_id,
           updated_at = EXCLUDED.updated_at`,
        [provider, cursor.createdSeconds, cursor.eventId, atMs],
      );
    },
    health: () =>
      pool.health.check(pendingCount, async () => {
        await statement('probing a write', 'UPDATE receiver_health SET probes = probes + 1 WHERE id = 1', []);
      }),
    async deadLetterCount() {
      const { rows } = await statement('counting dead letters', `SELECT count(*) AS n FROM (${deadLettersSql}) dl`, []);
      return Number((rows[0] as { n: string }).n);
    },
    async listDeadLetters(page) {
      const { rows } = await statement(
        'listing dead letters',
        `SELECT * FROM (${deadLettersSql}) dl ${deadLettersOrder} LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      );
      return (rows as DeadLetterRow[]).map(toSummary);
    },
    async showDeadLetter(id) {
      const ref = parseDeadLetterId(id);
      if (ref === null) return null;
      const { rows } =
        ref.source === 'inbox'
          ? await statement('reading a dead letter', showInboxDeadLetterSql, [ref.provider, ref.eventId])
          : await statement('reading a dead letter', showDeliveryDeadLetterSql, [ref.row]);
      const row = rows[0] as DetailRow | undefined;
      return row === undefined ? null : toDetail(row);
    },
    replayDeadLetter(id, check, atMs) {
      return transaction('replaying a dead letter', async (client): Promise<ReplayOutcome> => {
        const ref = parseDeadLetterId(id);
        if (ref === null) return { outcome: 'not_found' };
        if (ref.source === 'inbox') {
          const revived = await client.query(
            `UPDATE inbox SET state = 'pending', attempts = 0, available_at = 0, last_error = NULL, claimed_by = NULL
             WHERE provider = $1 AND event_id = $2 AND state = 'dead'`,
            [ref.provider, ref.eventId],
          );
          if (revived.rowCount === 0) return { outcome: 'not_found' };
          await client.query('DELETE FROM dead_letters WHERE provider = $1 AND event_id = $2', [
            ref.provider,
            ref.eventId,
          ]);
          return { outcome: 'replayed', provider: ref.provider, eventId: ref.eventId, duplicate: false };
        }
        const { rows } = await client.query(`${showDeliveryDeadLetterSql} FOR UPDATE`, [ref.row]);
        const row = rows[0] as DetailRow | undefined;
        if (row === undefined) return { outcome: 'not_found' };
        const letter: DeadLetterDetail = toDetail(row);
        const verdict = check(letter);
        if (!verdict.ok) return { outcome: 'rejected', reason: verdict.reason };
        const inserted = await client.query(
          `INSERT INTO inbox (provider, event_id, received_at, body, headers) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (provider, event_id) DO NOTHING`,
          [row.provider, verdict.eventId, atMs, row.body, JSON.stringify(letter.headers)],
        );
        await client.query('DELETE FROM dead_letters WHERE id = $1', [ref.row]);
        return {
          outcome: 'replayed',
          provider: row.provider,
          eventId: verdict.eventId,
          duplicate: inserted.rowCount === 0,
        };
      });
    },
    putOrder(terms, atMs) {
      return transaction('creating an order', async (client): Promise<PutOrderOutcome> => {
        await lockOrder(client, terms.orderId);
        const existing = await readOrder(client, terms.orderId);
        if (existing !== undefined) {
          const same = Number(existing.amount_minor) === terms.amountMinor && existing.currency === terms.currency;
          return same ? { outcome: 'unchanged' } : { outcome: 'conflict', existing: termsOf(existing) };
        }
        await client.query(
          `INSERT INTO orders (order_id, amount_minor, currency, status, created_at, updated_at)
           VALUES ($1, $2, $3, 'awaiting_payment', $4, $4)`,
          [terms.orderId, terms.amountMinor, terms.currency, atMs],
        );
        await recompute(client, terms, atMs);
        return { outcome: 'created' };
      });
    },
    async getOrder(orderId) {
      const { rows } = await statement(
        'reading an order',
        `SELECT o.*,
           (SELECT count(*) FROM effects e WHERE e.order_id = o.order_id AND e.kind = 'fulfillment') AS fulfillments,
           (SELECT count(*) FROM effects e WHERE e.order_id = o.order_id AND e.kind = 'refund') AS refunds
         FROM orders o WHERE o.order_id = $1`,
        [orderId],
      );
      const row = rows[0] as (OrderRow & { fulfillments: string; refunds: string }) | undefined;
      if (row === undefined) return null;
      const stored: StoredOrder = {
        terms: termsOf(row),
        status: OrderStatusSchema.parse(row.status),
        amountPaidMinor: Number(row.amount_paid_minor),
        amountRefundedMinor: Number(row.amount_refunded_minor),
        fulfillments: Number(row.fulfillments),
        refunds: Number(row.refunds),
      };
      return stored;
    },
    close: () => pool.end(),
  };
}

const inboxKey = (provider: string, eventId: string) => `${provider}\u0000${eventId}`;

/**
 * Inbox keys in one total order, (provider, event_id) by character code: the order every transaction that locks
 * several inbox rows takes them in (SQL's `ORDER BY … COLLATE "C"` is the same for the ASCII ids gateways use).
 */
function compareKeys(a: InboxKeyed, b: InboxKeyed): number {
  return compare(a.provider, b.provider) || compare(a.eventId, b.eventId);
}

interface InboxKeyed {
  readonly provider: string;
  readonly eventId: string;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function termsOf(row: OrderRow): OrderTerms {
  return { orderId: row.order_id, amountMinor: Number(row.amount_minor), currency: row.currency };
}
