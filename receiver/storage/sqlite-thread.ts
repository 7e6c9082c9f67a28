import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { groupCommit } from './group-commit.js';
import type { AppliedOutcome, ReceiverStorage } from './storage.js';
import { StorageUnavailableError } from './storage-unavailable.js';
import {
  type CrossedError,
  type StorageAnswer,
  type StorageCall,
  type StorageThreadData,
  uncrossError,
} from './thread-messages.js';

const hostFile = new URL('./sqlite-thread-host.js', import.meta.url);

/**
 * Whether the SQLite storage can run on a thread here: the compiled host module must exist. Run from TypeScript
 * sources (as the tests do) there is only `sqlite-thread-host.ts`, and the storage opens in the calling thread.
 */
export function sqliteThreadAvailable(): boolean {
  return hostFile.protocol === 'file:' && existsSync(fileURLToPath(hostFile));
}

/**
 * The SQLite storage (sqlite.ts, the default order projection) on a worker thread, behind the same interface: every
 * method is a message, answered when its transaction has committed. A synced commit waits for the disk; on the
 * receiver's own thread that wait stopped every request (3.6 of 8.2 s of benchmark 2's delivery phase), here it
 * blocks only the storage thread while requests go on. Deliveries still commit in groups: the ones that arrive while
 * a group is committing go together in the next message. The thread is referenced only while a call is pending, so it
 * never keeps a process alive that has nothing else to do. If it dies, every call fails as the database unavailable
 * (a 503: nothing unstored is acknowledged).
 */
export async function openSqliteThread(options: StorageThreadData): Promise<ReceiverStorage> {
  // A thread inherits the process's Node options, but refuses --input-type (a script given to `node -e`).
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  const worker = new Worker(hostFile, { workerData: options, execArgv });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let ended: Error | undefined;

  const settleAll = (error: Error) => {
    ended ??= error;
    for (const waiter of pending.values()) waiter.reject(ended);
    pending.clear();
  };
  worker.on('message', (message: StorageAnswer) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(uncrossError(message.error));
  });
  worker.on('error', (error) => settleAll(new StorageUnavailableError('the storage thread failed', error)));
  worker.on('exit', (code) =>
    settleAll(new StorageUnavailableError('the storage thread ended', new Error(`exit code ${code}`))),
  );

  const ask = (id: number, call?: Omit<StorageCall, 'id'>) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended !== undefined) return reject(ended);
      pending.set(id, { resolve, reject });
      worker.ref();
      if (call !== undefined) worker.postMessage({ id, ...call } satisfies StorageCall);
    });
  const call = <T>(method: string, ...args: unknown[]) => ask(nextId++, { method, args }) as Promise<T>;

  try {
    await ask(0);
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  return {
    recordDelivery: groupCommit((deliveries) => call('recordDeliveries', deliveries)),
    recordDeadLetter: (letter) => call('recordDeadLetter', letter),
    claimPending: (limit, atMs, leaseMs) => call('claimPending', limit, atMs, leaseMs),
    applyFacts: async (items, atMs) =>
      (await call<(AppliedOutcome | { failed: CrossedError })[]>('applyFacts', items, atMs)).map((outcome) =>
        typeof outcome === 'object' ? { failed: uncrossError(outcome.failed as CrossedError) } : outcome,
      ),
    recordFailure: (claim, failure) => call('recordFailure', claim, failure),
    deadLetter: (claim, reason, atMs) => call('deadLetter', claim, reason, atMs),
    release: (claims) => call('release', claims),
    pendingCount: () => call('pendingCount'),
    health: () =>
      call<Awaited<ReturnType<ReceiverStorage['health']>>>('health').catch((error: unknown) => ({
        ready: false as const,
        problem: 'unreachable' as const,
        detail: String(error),
      })),
    deadLetterCount: () => call('deadLetterCount'),
    listDeadLetters: (page) => call('listDeadLetters', page),
    showDeadLetter: (id) => call('showDeadLetter', id),
    // The check is a function, which does not cross: it runs here over the letter as shown, and the thread replays
    // with its verdict (a kept delivery's row never changes; one removed meanwhile is not found either way).
    async replayDeadLetter(id, check, atMs) {
      const letter = await call<Awaited<ReturnType<ReceiverStorage['showDeadLetter']>>>('showDeadLetter', id);
      const verdict =
        letter === null || letter.source === 'inbox'
          ? { ok: false as const, reason: 'not a kept delivery' }
          : check(letter);
      return call('replayChecked', id, verdict, atMs);
    },
    putOrder: (terms, atMs) => call('putOrder', terms, atMs),
    getOrder: (orderId) => call('getOrder', orderId),
    reconcileCursor: (provider) => call('reconcileCursor', provider),
    saveReconcileCursor: (provider, cursor, atMs) => call('saveReconcileCursor', provider, cursor, atMs),
    async close() {
      if (ended === undefined) await call('close').catch(() => undefined);
      await worker.terminate();
    },
  };
}
