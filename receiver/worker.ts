import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { providerById } from '../contracts/providers/index.js';
import { interpretEvent } from './interpret-event.js';
import { factProblem } from './storage/storable-text.js';
import type { AppliedOutcome, ClaimedFact, InboxClaim, InboxRow, ReceiverStorage } from './storage/storage.js';
import { isStorageUnavailable } from './storage/storage-unavailable.js';

const BATCH_SIZE = 20;
/** How long drain() waits, in real time, for rows it cannot claim yet (held by another worker, or backing off). */
const DRAIN_WAIT_MS = 10;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Claims kept for release after a failed pass (a few passes' worth; older ones wait for their lease). */
const MAX_UNRELEASED = 5 * BATCH_SIZE;

export interface InboxWorker {
  /** Starts polling; idempotent. */
  start(): void;
  /** Stops polling and waits for the pass under way. */
  stop(): Promise<void>;
  /** Asks for a pass soon (after a delivery was stored). */
  kick(): void;
  /** Processes until the inbox has no pending rows. */
  drain(): Promise<void>;
  pending(): Promise<number>;
}

export interface InboxWorkerOptions {
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  /** How long a claim holds its rows; another worker may claim them after it. */
  readonly leaseMs: number;
  /** Wait before the second attempt at a failed row; doubles with each further attempt (up to 5 minutes). */
  readonly retryBackoffMs: number;
  /** How long drain() waits for rows it cannot claim yet before it gives up with an error. */
  readonly drainTimeoutMs: number;
  /** After an event is applied: its provider and the seconds since it was stored. */
  readonly onApplied?: (provider: string, seconds: number) => void;
}

/**
 * Claims pending inbox rows (several workers, in several processes, may share one database) and applies them a batch
 * at a time, each row an atomic unit (SQLite commits a batch at once); one pass runs at a time. A row that throws is
 * retried after a backoff and moves to dead letters after `maxAttempts`. Every settle names the claim's attempt, so a worker whose lease ran out cannot
 * complete or undo a newer attempt by another worker.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { storage, clock, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  let settled = 0;
  let outage = false;

  /**
   * Applies a claimed batch: each row's event is read first; those that mean a fact (or nothing) are applied together
   * (`applyFacts`: one commit on SQLite), those that can never apply go to dead letters, and a row that throws is a
   * failed attempt. A database failure rejects, after the rows it settled are added to `done`.
   */
  async function applyBatch(rows: readonly InboxRow[], done: Set<InboxRow>): Promise<void> {
    const facts: { readonly row: InboxRow; readonly fact: ClaimedFact['fact'] }[] = [];
    for (const row of rows) {
      const claim = claimOf(row);
      try {
        const meaning = interpretEvent(providerById(row.provider), row.eventId, row.body);
        // A fact whose ids one backend could not keep (U+0000, too long) is dead on both, never a failure on one.
        const problem =
          meaning.kind === 'dead' ? meaning.reason : meaning.kind === 'fact' ? factProblem(meaning.fact) : null;
        if (problem === null) {
          facts.push({ row, fact: meaning.kind === 'fact' ? meaning.fact : null });
          continue;
        }
        const outcome = await storage.deadLetter(claim, problem, clock());
        log.warn({ ...claim, reason: problem, outcome }, 'event moved to dead letters');
        settle(row, outcome, done);
      } catch (error) {
        await fail(row, error, done);
      }
    }
    if (facts.length === 0) return;
    // A rejection that is not the database's (a wrapped storage's own error) fails every row of the call.
    const outcomes: readonly AppliedOutcome[] = await storage
      .applyFacts(
        facts.map(({ row, fact }) => ({ claim: claimOf(row), fact })),
        clock(),
      )
      .catch((error: unknown) => {
        if (isStorageUnavailable(error)) throw error;
        return facts.map(() => ({ failed: error }));
      });
    for (const [index, { row }] of facts.entries()) {
      const outcome = outcomes[index] ?? { failed: new Error('the storage gave no outcome for this event') };
      if (typeof outcome === 'object') {
        await fail(row, outcome.failed, done);
        continue;
      }
      if (outcome === 'done') options.onApplied?.(row.provider, Math.max(0, clock() - row.receivedAtMs) / 1_000);
      settle(row, outcome, done);
    }
  }

  /** A failed attempt at a row's event, retried after a backoff; the database failing is no attempt, and rejects. */
  async function fail(row: InboxRow, error: unknown, done: Set<InboxRow>): Promise<void> {
    // The database, not the event, failed: that is no attempt at the event. The pass stops; the claims end.
    if (isStorageUnavailable(error)) throw error;
    const claim = claimOf(row);
    const atMs = clock();
    const backoff = Math.min(options.retryBackoffMs * 2 ** (row.attempt - 1), MAX_BACKOFF_MS);
    const outcome = await storage.recordFailure(claim, {
      error: String(error),
      maxAttempts: options.maxAttempts,
      atMs,
      retryAtMs: atMs + backoff,
    });
    log.error({ ...claim, err: error, outcome }, 'applying an event failed');
    settle(row, outcome, done);
  }

  function settle(row: InboxRow, outcome: string, done: Set<InboxRow>): void {
    if (outcome === 'stale')
      log.warn(claimOf(row), 'the claim ran out and the row was claimed again; this attempt changed nothing');
    done.add(row);
    settled += 1;
  }

  /**
   * Claims a failed pass could not release (the database was down): released at the start of the next pass, so they
   * are retried as soon as the database is back rather than at the end of their lease. A claim taken meanwhile by
   * another worker has a newer attempt, and its release is a no-op.
   */
  let unreleased: InboxClaim[] = [];

  async function runPasses(): Promise<void> {
    if (unreleased.length > 0) {
      await storage.release(unreleased);
      unreleased = [];
    }
    do {
      again = false;
      const rows = await storage.claimPending(BATCH_SIZE, clock(), options.leaseMs);
      if (stopped) {
        await storage.release(rows);
        return;
      }
      const done = new Set<InboxRow>();
      try {
        await applyBatch(rows, done);
      } catch (error) {
        const rest = rows.filter((row) => !done.has(row)).map(claimOf);
        await storage.release(rest).catch(() => {
          unreleased = [...unreleased, ...rest].slice(-MAX_UNRELEASED);
        });
        throw error;
      }
      if (rows.length === BATCH_SIZE) again = true;
    } while (again && !stopped);
  }

  function pass(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = runPasses().finally(() => {
      running = undefined;
    });
    return running;
  }

  function kick(): void {
    if (stopped || scheduled !== undefined) return;
    scheduled = setImmediate(() => {
      scheduled = undefined;
      if (stopped) return;
      pass().then(
        () => {
          if (outage) log.info('the database answers again; the inbox worker resumes');
          outage = false;
        },
        (error: unknown) => {
          if (!isStorageUnavailable(error)) return log.error({ err: error }, 'the inbox worker failed');
          // Once per outage, not once per poll: the worker tries again at every poll until the database answers.
          if (!outage) log.warn({ what: error.what, detail: error.detail }, 'the database is unavailable; will retry');
          outage = true;
        },
      );
    });
  }

  return {
    start() {
      if (timer !== undefined || stopped) return;
      timer = setInterval(kick, options.pollIntervalMs);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearImmediate(scheduled);
      await running?.catch(() => undefined);
    },
    kick,
    async drain() {
      let waitedMs = 0;
      while ((await storage.pendingCount()) > 0) {
        if (stopped) {
          throw new IpnError('IPN_ERR_STORAGE', 'the receiver is closed, so its inbox can no longer be drained.', {
            hint: 'Call inbox.drain() before app.close().',
          });
        }
        const before = settled;
        await pass();
        if (settled > before) {
          waitedMs = 0;
          continue;
        }
        // Nothing was claimable: rows held by another worker's lease, or backing off after a failure.
        if (waitedMs >= options.drainTimeoutMs) {
          throw new IpnError(
            'IPN_ERR_STORAGE',
            `the inbox still has pending rows that could not be claimed for ${options.drainTimeoutMs} ms.`,
            {
              hint: "Rows wait for another worker's lease or a retry backoff; advance the clock or lower retryBackoffMs.",
            },
          );
        }
        await delay(DRAIN_WAIT_MS);
        waitedMs += DRAIN_WAIT_MS;
      }
    },
    pending: () => storage.pendingCount(),
  };
}

const claimOf = (row: InboxClaim): InboxClaim => ({
  provider: row.provider,
  eventId: row.eventId,
  attempt: row.attempt,
});
