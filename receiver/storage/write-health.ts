import type { StorageHealth } from './storage.js';
import { describeCause, isStorageUnavailable } from './storage-unavailable.js';

/**
 * Readiness as both backends answer it. Any `StorageUnavailableError` marks the database as failing; while it does,
 * readiness also makes a probe write, and the first that succeeds ends the outage by itself. A database whose reads
 * work but whose writes fail (read-only, full, locked by another process) is so reported unready, not only an
 * unreachable one.
 */
export interface WriteHealth {
  /** Passes the error on, noting a database failure first. */
  noted(error: unknown): unknown;
  check(pendingCount: () => Promise<number>, probeWrite: () => Promise<void>): Promise<StorageHealth>;
}

export function writeHealth(): WriteHealth {
  let failing = false;
  return {
    noted(error) {
      if (isStorageUnavailable(error)) failing = true;
      return error;
    },
    async check(pendingCount, probeWrite) {
      let inboxPending: number;
      try {
        inboxPending = await pendingCount();
      } catch (error) {
        failing = true;
        return { ready: false, problem: 'unreachable', detail: detailOf(error) };
      }
      if (failing) {
        try {
          await probeWrite();
          failing = false;
        } catch (error) {
          return { ready: false, problem: 'unwritable', detail: detailOf(error) };
        }
      }
      return { ready: true, inboxPending };
    },
  };
}

function detailOf(error: unknown): string {
  return isStorageUnavailable(error) ? `${error.what}: ${error.detail}` : describeCause(error);
}
