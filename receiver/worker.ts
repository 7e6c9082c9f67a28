import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../contracts/clock.js';
import { IpnError } from '../contracts/errors.js';
import { providerById } from '../contracts/providers/index.js';
import { interpretEvent } from './interpret-event.js';
import type { InboxRow, ReceiverStorage } from './storage/storage.js';

const BATCH_SIZE = 100;

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
}

/**
 * Applies pending inbox rows one at a time, each in one transaction; one pass runs at a time. A row that throws is
 * retried on a later pass and moves to dead letters after `maxAttempts`.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { storage, clock, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function apply(row: InboxRow): Promise<void> {
    const key = { provider: row.provider, eventId: row.eventId };
    try {
      const meaning = interpretEvent(providerById(row.provider), row.eventId, row.body);
      if (meaning.kind === 'dead') {
        log.warn(
          { provider: row.provider, eventId: row.eventId, reason: meaning.reason },
          'event moved to dead letters',
        );
        await storage.deadLetter(key, meaning.reason, clock());
        return;
      }
      await storage.applyFact(key, meaning.kind === 'fact' ? meaning.fact : null, clock());
    } catch (error) {
      const outcome = await storage.recordFailure(key, String(error), options.maxAttempts, clock());
      log.error({ provider: row.provider, eventId: row.eventId, err: error, outcome }, 'applying an event failed');
    }
  }

  async function runPasses(): Promise<void> {
    do {
      again = false;
      const rows = await storage.claimPending(BATCH_SIZE);
      for (const row of rows) {
        if (stopped) return;
        await apply(row);
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
      pass().catch((error: unknown) => log.error({ err: error }, 'the inbox worker failed'));
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
      while ((await storage.pendingCount()) > 0) {
        if (stopped) {
          throw new IpnError('IPN_ERR_STORAGE', 'the receiver is closed, so its inbox can no longer be drained.', {
            hint: 'Call inbox.drain() before app.close().',
          });
        }
        await pass();
      }
    },
    pending: () => storage.pendingCount(),
  };
}
