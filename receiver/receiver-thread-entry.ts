import { parentPort, workerData } from 'node:worker_threads';
import { IpnError } from '../contracts/errors.js';
import type { FromThread, ThreadReceiverOptions } from './receiver-thread.js';
import { startReceiver } from './server.js';

/**
 * The worker thread `startReceiverThread` starts: the reference receiver with the options it was given, answering
 * `ready` (its URL) or `failed`, and closing on the first message it receives.
 */
async function serve(options: ThreadReceiverOptions): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  try {
    const receiver = await startReceiver({ ...options });
    port.once('message', () => {
      void receiver.close().finally(() => {
        port.postMessage({ kind: 'closed' } satisfies FromThread);
        port.close();
      });
    });
    port.postMessage({ kind: 'ready', url: receiver.url } satisfies FromThread);
  } catch (error) {
    port.postMessage({
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof IpnError ? { code: error.code, hint: error.hint } : {}),
    } satisfies FromThread);
  }
}

void serve(workerData as ThreadReceiverOptions);
