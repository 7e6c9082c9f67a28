import type { ReconcileCursor } from './storage/storage.js';

/** One event as the gateway's list shows it: its id, when the gateway created it, and its bytes for the inbox. */
export interface ListedEvent {
  readonly id: string;
  readonly createdSeconds: number;
  readonly body: Uint8Array;
}

/** One page of the gateway's event list, newest first. */
export interface ListPage {
  readonly events: readonly ListedEvent[];
  readonly hasMore: boolean;
  /** Where the next page is, when the gateway says so (PayPal's `next` link); else after the last event listed. */
  readonly next?: string;
}

/**
 * Which page to read: events created at or after `sinceSeconds`, from `after` on: the previous page's `next`, or the
 * id of the last event it listed (Stripe's `starting_after`).
 */
export interface ListRequest {
  readonly after?: string;
  readonly sinceSeconds?: number;
  readonly limit: number;
}

/** The gateway's list could not be read (its 5xx, a timeout, a refused key): nothing of this pass may be trusted. */
export class ListUnavailable extends Error {
  override readonly name = 'ListUnavailable';
}

/** What a reconciler works with: the provider's event list, the durable inbox and the durable cursor. */
export interface ReconcileContext {
  readonly provider: string;
  /** Reads one page; throws `ListUnavailable` when the gateway does not answer it. */
  list(request: ListRequest): Promise<ListPage>;
  cursor(): Promise<ReconcileCursor | null>;
  saveCursor(cursor: ReconcileCursor): Promise<void>;
  /** Stores an event in the inbox exactly as a webhook delivery of it would be (a second copy is a no-op). */
  store(event: ListedEvent): Promise<{ duplicate: boolean }>;
  /** The gateway's list window: events older than this many seconds are no longer listed. */
  readonly windowSeconds: number;
  nowSeconds(): number;
  sleep(ms: number): Promise<void>;
}

/** What one reconcile pass did, for the probe's answer, the CLI and the logs. */
export interface ReconcileReport {
  readonly provider: string;
  readonly pages: number;
  readonly listed: number;
  /** Events new to the inbox: missed by the webhook, recovered here. */
  readonly stored: number;
  /** Events the inbox already had (delivered by the webhook, or fetched before). */
  readonly duplicates: number;
  readonly cursor: ReconcileCursor | null;
  /**
   * Set when the last pass is older than the gateway's list window: events created in between may be gone from the
   * list (the gateway keeps 30 days), so they cannot be recovered here. Reported, never silently skipped.
   */
  readonly gapSinceSeconds: number | null;
}

/** A reconcile strategy: the reference one, or a broken one planted in tests. */
export type Reconciler = (context: ReconcileContext) => Promise<ReconcileReport>;

/** The largest page the gateways' lists give (Stripe: 100). */
export const PAGE_LIMIT = 100;
/** How far before the cursor a pass reads again: an event may show in the list after a newer one did. */
export const OVERLAP_SECONDS = 300;
/** Most pages one pass reads (100 000 events); a longer backlog is finished by the next pass. */
const MAX_PAGES = 1_000;
/** Attempts per page before the pass gives up, with a backoff doubling from the first wait. */
const PAGE_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 100;

/**
 * The reference reconciler. Pages back through the gateway's list from the newest event to `OVERLAP_SECONDS` before
 * its cursor (the whole list window on its first pass), retrying a page that fails; then stores every listed event in
 * the inbox, oldest first, where a copy the webhook delivered (or will deliver) is a no-op; and only then moves the
 * cursor to the newest event listed. A pass that cannot read a page stores nothing and leaves the cursor where it was,
 * so the next pass reads the same window again: the cursor never covers an event that is not in the inbox.
 */
export const reconcile: Reconciler = async (context) => {
  const cursor = await context.cursor();
  const now = context.nowSeconds();
  const since = cursor === null ? undefined : cursor.createdSeconds - OVERLAP_SECONDS;
  const gapSinceSeconds =
    cursor !== null && cursor.createdSeconds < now - context.windowSeconds ? cursor.createdSeconds : null;
  const listed: ListedEvent[] = [];
  let pages = 0;
  let after: string | undefined;
  while (pages < MAX_PAGES) {
    const page = await withRetries(context, {
      limit: PAGE_LIMIT,
      ...(after === undefined ? {} : { after }),
      ...(since === undefined ? {} : { sinceSeconds: since }),
    });
    pages += 1;
    listed.push(...page.events);
    const last = page.events.at(-1);
    if (!page.hasMore || last === undefined) break;
    after = page.next ?? last.id;
  }
  let stored = 0;
  let duplicates = 0;
  for (const event of [...listed].reverse()) {
    const { duplicate } = await context.store(event);
    if (duplicate) duplicates += 1;
    else stored += 1;
  }
  const newest = newestOf(listed);
  const moved = newest === null || (cursor !== null && newest.createdSeconds < cursor.createdSeconds) ? cursor : newest;
  if (moved !== cursor && moved !== null) await context.saveCursor(moved);
  return {
    provider: context.provider,
    pages,
    listed: listed.length,
    stored,
    duplicates,
    cursor: moved,
    gapSinceSeconds,
  };
};

async function withRetries(context: ReconcileContext, request: ListRequest): Promise<ListPage> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await context.list(request);
    } catch (error) {
      if (!(error instanceof ListUnavailable) || attempt >= PAGE_ATTEMPTS) throw error;
      await context.sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

/** The newest event listed (by creation, then the first listed, as the list is newest first). */
export function newestOf(events: readonly ListedEvent[]): ReconcileCursor | null {
  let newest: ListedEvent | undefined;
  for (const event of events) if (newest === undefined || event.createdSeconds > newest.createdSeconds) newest = event;
  return newest === undefined ? null : { createdSeconds: newest.createdSeconds, eventId: newest.id };
}
