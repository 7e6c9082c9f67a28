import type { LifecycleFact, OrderTerms } from '../../contracts/lifecycle.js';
import type { OrderStatus } from '../../contracts/probe.js';

/**
 * What the receiver needs from a database. Every method is one transaction. The SQLite backend implements it today;
 * a PostgreSQL backend (`FOR UPDATE SKIP LOCKED` claims, several processes) can implement it unchanged. Backends know
 * nothing of the lifecycle rule: they are given an `OrderProjector` when opened.
 */
export interface ReceiverStorage {
  /** Stores a verified, validated delivery in the inbox; a second delivery of the same event is a no-op. */
  recordDelivery(delivery: InboxDelivery): Promise<{ duplicate: boolean }>;
  /** Keeps a signed but unusable delivery (malformed JSON, an envelope that fails validation, no event id). */
  recordDeadLetter(letter: DeadLetter): Promise<void>;
  /** Up to `limit` pending inbox rows, oldest first. */
  claimPending(limit: number): Promise<InboxRow[]>;
  /**
   * Applies an inbox row: stores its fact (null: nothing to apply), recomputes the order if it exists, records the side
   * effects it calls for and marks the row done.
   */
  applyFact(key: InboxKey, fact: LifecycleFact | null, atMs: number): Promise<void>;
  /** Counts a failed attempt; after `maxAttempts` the row moves to dead letters. */
  recordFailure(key: InboxKey, error: string, maxAttempts: number, atMs: number): Promise<'retry' | 'dead'>;
  /** Moves an inbox row to dead letters at once (an event that can never be applied). */
  deadLetter(key: InboxKey, reason: string, atMs: number): Promise<void>;
  pendingCount(): Promise<number>;
  /** Creates the order and applies the facts already received for it; the same terms again change nothing. */
  putOrder(terms: OrderTerms, atMs: number): Promise<PutOrderOutcome>;
  getOrder(orderId: string): Promise<StoredOrder | null>;
  close(): Promise<void>;
}

export interface InboxKey {
  readonly provider: string;
  readonly eventId: string;
}

export interface InboxDelivery extends InboxKey {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly receivedAtMs: number;
}

export interface InboxRow extends InboxKey {
  readonly body: Uint8Array;
  readonly attempts: number;
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
