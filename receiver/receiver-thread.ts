import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, IpnError } from '../contracts/errors.js';

/**
 * The reference receiver on a worker thread of this process, so it has a core of its own while the gauntlet (which
 * signs, sends and judges on the main thread) uses the other: `demo` runs both in one process. Only options that cross
 * a thread boundary are accepted (no clock, no strategy functions): the receiver's clock is the system's.
 */
export interface ThreadReceiverOptions {
  readonly secrets: Readonly<Record<string, string>>;
  readonly dbFile: string;
  readonly gatewayUrl?: string;
  readonly reconcile?: { readonly apiKeys: Readonly<Record<string, string>>; readonly gatewayUrl: string };
  readonly publicUrl?: string;
  readonly probe?: { readonly token: string };
}

export interface ThreadReceiver {
  readonly url: string;
  close(): Promise<void>;
}

export type FromThread =
  | { readonly kind: 'ready'; readonly url: string }
  | { readonly kind: 'failed'; readonly code?: string; readonly message: string; readonly hint?: string }
  | { readonly kind: 'closed' };

const threadFile = new URL('./receiver-thread-entry.js', import.meta.url);

/**
 * Whether the receiver can run on a thread here: the compiled module must exist (run from TypeScript sources, as the
 * tests do, there is only `receiver-thread-entry.ts`, and the caller starts the receiver in-process instead).
 */
export function threadsAvailable(): boolean {
  return threadFile.protocol === 'file:' && existsSync(fileURLToPath(threadFile));
}

/** Starts the receiver on a worker thread and resolves with its URL once it listens (rejects as `startReceiver` does). */
export function startReceiverThread(options: ThreadReceiverOptions): Promise<ThreadReceiver> {
  const worker = new Worker(threadFile, { workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the receiver thread exited with ${code} before it listened`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: FromThread) => {
      worker.off('exit', onExit);
      worker.off('error', reject);
      if (message.kind === 'failed') {
        void worker.terminate();
        reject(
          message.code === undefined
            ? new Error(message.message)
            : new IpnError(
                message.code as ErrorCode,
                message.message,
                message.hint === undefined ? {} : { hint: message.hint },
              ),
        );
        return;
      }
      if (message.kind !== 'ready') return;
      resolve({
        url: message.url,
        // The receiver closes (its database too), says so, and then the thread is ended whatever else it holds.
        close: () =>
          new Promise<void>((done) => {
            const end = () => void worker.terminate().then(() => done());
            worker.once('message', end);
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}
