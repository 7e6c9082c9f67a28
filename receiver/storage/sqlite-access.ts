import { setTimeout as delay } from 'node:timers/promises';
import { StorageUnavailableError } from './storage-unavailable.js';
import { type WriteHealth, writeHealth } from './write-health.js';

/**
 * How long one statement may block the event loop waiting for another connection's lock (SQLite's busy timeout).
 * Short, so health checks and other requests keep answering; the real wait is `lockWaitMs`, between attempts.
 */
export const SYNC_BUSY_MS = 10;
const FIRST_RETRY_MS = 5;
const LONGEST_RETRY_MS = 100;

/**
 * How the SQLite backend runs its statements. better-sqlite3 is synchronous, so a lock held by another process would
 * stall the whole receiver for the busy timeout: instead each write tries with a short busy timeout and, while the
 * database is locked, tries again after a timer (the event loop keeps serving), up to `lockWaitMs` in all. A failure of
 * the file, not of the statement (locked past the wait, read-only, full, I/O error, cannot open), is a
 * `StorageUnavailableError` (a 503, and no failed attempt at an event) and is noted for readiness.
 */
export interface SqliteAccess {
  write<T>(what: string, run: () => T): Promise<T>;
  /** Once, without waiting for a lock: reads, and the readiness probe write. */
  once<T>(what: string, run: () => T): T;
  readonly health: WriteHealth;
}

export function sqliteAccess(lockWaitMs: number): SqliteAccess {
  const health = writeHealth();
  const unavailable = (what: string, error: unknown) => health.noted(new StorageUnavailableError(what, error));
  return {
    health,
    once(what, run) {
      try {
        return run();
      } catch (error) {
        throw sqliteFailure(error) === null ? error : unavailable(what, error);
      }
    },
    async write(what, run) {
      let waitedMs = 0;
      for (let tries = 0; ; tries += 1) {
        try {
          return run();
        } catch (error) {
          const failure = sqliteFailure(error);
          if (failure === null) throw error;
          if (failure === 'unavailable' || waitedMs >= lockWaitMs) throw unavailable(what, error);
          // Each round adds at least FIRST_RETRY_MS to waitedMs: at most lockWaitMs / FIRST_RETRY_MS rounds.
          const pause = Math.min(FIRST_RETRY_MS * 2 ** tries, LONGEST_RETRY_MS, lockWaitMs - waitedMs);
          await delay(pause);
          waitedMs += Math.max(pause, FIRST_RETRY_MS) + SYNC_BUSY_MS;
        }
      }
    },
  };
}

/**
 * SQLite's result codes for a database that cannot be used now, rather than a statement that is wrong: `locked`
 * (another connection holds the lock: wait and try again), or `unavailable` (read-only, full, I/O error, cannot open,
 * out of memory). Null for anything else (a constraint, a bug), which stays a 500.
 */
export function sqliteFailure(error: unknown): 'locked' | 'unavailable' | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'locked';
  if (/^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM|NOLFS|PERM)/.test(code)) return 'unavailable';
  return null;
}
