import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type OrderProjector, projectOrder } from '../order-projection.js';
import { openSqliteStorage } from './sqlite.js';
import type { AppliedOutcome, ClaimedFact, DeliveryCheck, InboxDelivery, ReceiverStorage } from './storage.js';
import { crossError, type StorageAnswer, type StorageCall, type StorageThreadData } from './thread-messages.js';

/**
 * The SQLite storage on a thread of its own (sqlite-thread.ts starts it): better-sqlite3 is synchronous, and a synced
 * commit waits for the disk, so here the wait blocks this thread instead of the receiver's requests. It answers each
 * call with the method's result, or its error in a form that crosses the boundary.
 */
if (parentPort === null) throw new Error('sqlite-thread-host runs as a worker thread (see sqlite-thread.ts)');
const port: MessagePort = parentPort;
const data = workerData as StorageThreadData;
const answer = (message: StorageAnswer) => port.postMessage(message);

let storage: ReceiverStorage;
try {
  const projector =
    data.projector === undefined
      ? projectOrder
      : ((await import(data.projector.url)) as Record<string, OrderProjector>)[data.projector.name];
  if (typeof projector !== 'function')
    throw new Error(`${data.projector?.url} has no function export named ${data.projector?.name}`);
  storage = openSqliteStorage({
    file: data.file,
    projectOrder: projector,
    ...(data.lockWaitMs === undefined ? {} : { lockWaitMs: data.lockWaitMs }),
  });
  answer({ id: 0, ok: true, value: null });
} catch (error) {
  answer({ id: 0, ok: false, error: crossError(error) });
  port.close();
}

/** The calls that are not one storage method with cloneable arguments. */
const special: Record<string, (args: readonly unknown[]) => Promise<unknown>> = {
  // A group commit's deliveries in one message: recorded together, so they commit in one transaction here too.
  recordDeliveries: ([deliveries]) =>
    Promise.all((deliveries as InboxDelivery[]).map((d) => storage.recordDelivery(d))),
  // The envelope check ran on the receiver's side over the letter as shown; its verdict is replayed here.
  replayChecked: ([id, verdict, atMs]) =>
    storage.replayDeadLetter(id as string, (() => verdict) as DeliveryCheck, atMs as number),
  // An apply that failed carries its error: sent as one that crosses.
  applyFacts: async ([items, atMs]) =>
    (await storage.applyFacts(items as ClaimedFact[], atMs as number)).map((outcome: AppliedOutcome) =>
      typeof outcome === 'object' ? { failed: crossError(outcome.failed) } : outcome,
    ),
};

async function handle({ id, method, args }: StorageCall): Promise<void> {
  try {
    const run =
      special[method] ??
      ((a: readonly unknown[]) => (storage[method as keyof ReceiverStorage] as (...a: unknown[]) => unknown)(...a));
    answer({ id, ok: true, value: await run(args) });
  } catch (error) {
    answer({ id, ok: false, error: crossError(error) });
  }
  if (method === 'close') port.close();
}

/**
 * Calls that arrived together are taken deliveries first: a delivery's commit is what its sender waits for before it
 * is answered, while the inbox worker's claims and applies can wait a commit. FIFO had a group of deliveries wait
 * behind a claim and a batch's apply; taken first, 2,396 → 2,558 acknowledged/s in benchmark 2's load (mean of six
 * runs each, alternating). The order of two calls sent together is not part of the storage's contract.
 */
let queue: StorageCall[] = [];
let draining = false;
async function drain(): Promise<void> {
  draining = true;
  while (queue.length > 0) {
    const calls = queue;
    queue = [];
    await Promise.all(calls.filter((c) => c.method === 'recordDeliveries').map(handle));
    await Promise.all(calls.filter((c) => c.method !== 'recordDeliveries').map(handle));
  }
  draining = false;
}

port.on('message', (call: StorageCall) => {
  queue.push(call);
  if (!draining) setImmediate(() => void drain());
});
