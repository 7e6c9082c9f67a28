import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Linux's memory-backed temporary file system, where a throwaway database's fsyncs cost nothing. */
const MEMORY_TMP = '/dev/shm';

/**
 * Where a run keeps files nobody needs afterwards (the demo's SQLite database): /dev/shm where it is a writable
 * directory, else the system's temporary directory. The database is a real SQLite file either way; on tmpfs its
 * commits (synchronous=FULL, an fsync each) do not wait on a disk, which is most of a demo's time otherwise.
 */
export function scratchDirectory(): string {
  try {
    if (statSync(MEMORY_TMP).isDirectory()) {
      accessSync(MEMORY_TMP, constants.W_OK);
      return MEMORY_TMP;
    }
  } catch {
    // Not Linux, or no tmpfs there: the usual temporary directory.
  }
  return tmpdir();
}
