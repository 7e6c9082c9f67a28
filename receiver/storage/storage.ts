import type { LifecycleFact, OrderTerms } from '../../contracts/lifecycle.js';
import type { OrderStatus } from '../../contracts/probe.js';
import { isStorageUnavailable } from './storage-unavailable.js';

/**
 * What the receiver needs from a database. Every method is one transaction. Two backends implement it: SQLite and
 * PostgreSQL (several processes on one database). Backends know nothing of the lifecycle rule: they are given an
 * `OrderProjector` when opened.
 *
 * Inbox rows are claimed: a claim increments the row's attempt number and holds the row for a lease, during which no
 * other worker claims it. Settling a row (applying, failing, dead-lettering, releasing) names the attempt and is a
 * no-op answering `'stale'` unless the row is still pending under that attempt, so a worker whose lease ran out and
 * whose row was claimed again can neither complete nor undo the newer attempt.
 */
export interface ReceiverStorage {
  /** Stores a verified, validated delivery in the inbox; a second delivery of the same event is a no-op. */
  recordDelivery(delivery: InboxDelivery): Promise<{ duplicate: boolean }>;
  /** Keeps a signed but unusable delivery (malformed JSON, an envelope that fails validation, no event id). */
  recordDeadLetter(letter: DeadLetter): Promise<void>;
  /**
   * Claims up to `limit` pending inbox rows, oldest first, that no other worker holds (or whose lease ended by `atMs`):
   * each claim increments the row's attempt number and holds the row until `atMs + leaseMs`.
   */
  claimPending(limit: number, atMs: number, leaseMs: number): Promise<InboxRow[]>;
  /**
   * Applies claimed inbox rows, each as one unit: stores its fact (null: nothing to apply), recomputes the order if it
   * exists, records the side effects it calls for and marks the row done. The outcomes are in the order given; an
   * event whose apply throws (not the database: that rejects the call) is `{ failed }` and changes nothing. Both
   * backends commit them in one transaction (one row's failure: each on its own again); PostgreSQL takes the orders'
   * locks in one fixed order, so two workers' batches never wait on each other in a cycle.
   */
  applyFacts(items: readonly ClaimedFact[], atMs: number): Promise<AppliedOutcome[]>;
  /**
   * Records a failed attempt and ends the claim: the row is claimable again from `failure.retryAtMs` (the backoff), or,
   * when it was attempt `failure.maxAttempts` (or later), moves to dead letters with the error.
   */
  recordFailure(claim: InboxClaim, failure: AttemptFailure): Promise<'retry' | 'dead' | 'stale'>;
  /** Moves a claimed inbox row to dead letters at once (an event that can never be applied). */
  deadLetter(claim: InboxClaim, reason: string, atMs: number): Promise<'dead' | 'stale'>;
  /** Ends claims without trying them (a worker stopping), so another worker takes them at once; each still counts. */
  release(claims: readonly InboxClaim[]): Promise<void>;
  pendingCount(): Promise<number>;
  /**
   * Readiness: whether the inbox can be read and, once a write has failed (unreachable, read-only, full, locked past the
   * lock wait), whether a probe write succeeds again. Never throws; the next successful probe ends an outage by itself.
   */
  health(): Promise<StorageHealth>;
  /** Deliveries kept aside as unusable plus inbox events moved to dead letters after their attempts ran out. */
  deadLetterCount(): Promise<number>;
  /**
   * Dead letters, newest first (by when they were received), `page.limit` from `page.offset`: inbox events that are
   * dead and unusable deliveries (see `dead-letter-id.ts` for the ids, and which `dead_letters` rows count).
   */
  listDeadLetters(page: DeadLetterPage): Promise<DeadLetterSummary[]>;
  /** One dead letter with its body and headers; null for an id that names none. */
  showDeadLetter(id: string): Promise<DeadLetterDetail | null>;
  /**
   * Gives a dead letter another chance. A dead inbox event goes back to pending with its attempts reset (the worker
   * applies it again; the fact and effect keys make an event applied before a no-op). A kept delivery is read again
   * by `check` (the provider's envelope check) and, when it now validates, stored in the inbox at `atMs` and removed
   * from dead letters; otherwise it stays and the answer says why.
   */
  replayDeadLetter(id: string, check: DeliveryCheck, atMs: number): Promise<ReplayOutcome>;
  /** Creates the order and applies the facts already received for it; the same terms again change nothing. */
  putOrder(terms: OrderTerms, atMs: number): Promise<PutOrderOutcome>;
  getOrder(orderId: string): Promise<StoredOrder | null>;
  /** Where the reconciler of a provider stopped: the newest event it has stored from the gateway's list; null: never. */
  reconcileCursor(provider: string): Promise<ReconcileCursor | null>;
  /** Moves a provider's reconcile cursor (only after every event it covers is in the inbox). */
  saveReconcileCursor(provider: string, cursor: ReconcileCursor, atMs: number): Promise<void>;
  close(): Promise<void>;
}

/** A claimed inbox row and what applying it stores (null: nothing, the row is only marked done). */
export interface ClaimedFact {
  readonly claim: InboxClaim;
  readonly fact: LifecycleFact | null;
}

/** What applying one claimed row came to: done, stale (the claim ran out), or failed with the error it threw. */
export type AppliedOutcome = 'done' | 'stale' | { readonly failed: unknown };

/**
 * Applies each row on its own, in order: a database failure rejects (the rows after it are not tried), any other
 * error is that row's `{ failed }`.
 */
export async function applyEach(
  items: readonly ClaimedFact[],
  applyOne: (item: ClaimedFact) => Promise<'done' | 'stale'>,
): Promise<AppliedOutcome[]> {
  const outcomes: AppliedOutcome[] = [];
  for (const item of items) {
    try {
      outcomes.push(await applyOne(item));
    } catch (error) {
      if (isStorageUnavailable(error)) throw error;
      outcomes.push({ failed: error });
    }
  }
  return outcomes;
}

/** A reconciler's high-water mark: the creation time (gateway seconds) and id of the newest event it stored. */
export interface ReconcileCursor {
  readonly createdSeconds: number;
  readonly eventId: string;
}

export type StorageHealth =
  | { readonly ready: true; readonly inboxPending: number }
  | {
      readonly ready: false;
      /** `unreachable`: the inbox cannot be read; `unwritable`: it can, but the probe write fails. */
      readonly problem: 'unreachable' | 'unwritable';
      /** The driver's error, for the log only (it may name the server's address or the file's path). */
      readonly detail: string;
    };

export interface InboxKey {
  readonly provider: string;
  readonly eventId: string;
}

export interface InboxDelivery extends InboxKey {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly receivedAtMs: number;
}

/** An inbox row held by one worker: `attempt` is the row's attempt number when it was claimed (1 for the first). */
export interface InboxClaim extends InboxKey {
  readonly attempt: number;
}

export interface InboxRow extends InboxClaim {
  readonly body: Uint8Array;
  /** When the delivery was stored (epoch ms), for the processing-latency metric. */
  readonly receivedAtMs: number;
}

export interface AttemptFailure {
  readonly error: string;
  readonly maxAttempts: number;
  readonly atMs: number;
  readonly retryAtMs: number;
}

export interface DeadLetter {
  readonly provider: string;
  readonly eventId: string | null;
  readonly reason: string;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly receivedAtMs: number;
}

export type PutOrderOutcome =
  | { readonly outcome: 'created' | 'unchanged' }
  | { readonly outcome: 'conflict'; readonly existing: OrderTerms };

export interface StoredOrder {
  readonly terms: OrderTerms;
  readonly status: OrderStatus;
  readonly amountPaidMinor: number;
  readonly amountRefundedMinor: number;
  readonly fulfillments: number;
  readonly refunds: number;
}

export interface DeadLetterPage {
  readonly limit: number;
  readonly offset: number;
}

export interface DeadLetterSummary {
  /** `inbox:<provider>:<eventId>` or `delivery:<n>` (dead-letter-id.ts). */
  readonly id: string;
  readonly source: 'inbox' | 'delivery';
  readonly provider: string;
  readonly eventId: string | null;
  /** The error or the reason it was set aside. */
  readonly reason: string;
  /** Processing attempts made (an inbox event); 0 for a delivery, which was never processed. */
  readonly attempts: number;
  readonly receivedAtMs: number;
}

export interface DeadLetterDetail extends DeadLetterSummary {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** A kept delivery as the envelope check reads it again. */
export interface KeptDelivery {
  readonly provider: string;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** Whether a kept delivery is now a usable event (its id), or why not. Synchronous: it runs inside the transaction. */
export type DeliveryCheck = (
  delivery: KeptDelivery,
) => { readonly ok: true; readonly eventId: string } | { readonly ok: false; readonly reason: string };

export type ReplayOutcome =
  | { readonly outcome: 'replayed'; readonly provider: string; readonly eventId: string; readonly duplicate: boolean }
  | { readonly outcome: 'rejected'; readonly reason: string }
  | { readonly outcome: 'not_found' };
