import type { HttpDeliverer } from '../simulator/delivery/http.js';
import type { GatewayEvent } from '../simulator/events.js';
import type { DeliveryHistory } from '../simulator/history.js';
import { type Delivery, deliveryOf, type FaultTag, retryOf, type SigningContext } from '../simulator/plan.js';
import type { ReceiverProcess } from './process/receiver-process.js';

/**
 * A burst: many events in flight at once, each retried as the gateway retries until it is acknowledged, while the
 * receiver process is SIGKILLed at seeded points and restarted. What `consistency.no-loss` is made of.
 */
export interface Burst {
  readonly events: readonly GatewayEvent[];
  /** After how many sent attempts the receiver is killed (sorted, seeded). */
  readonly kills: readonly number[];
  /** Kill and restart once more after the burst, so state held only in memory is gone before the check. */
  readonly restartBeforeCheck: boolean;
  /** What the first attempt of each event is, for the report (a redelivery); retries are tagged as retries. */
  readonly fault?: FaultTag;
}

export interface BurstContext {
  readonly deliverer: HttpDeliverer;
  readonly history: DeliveryHistory;
  readonly signing: SigningContext;
  readonly process: ReceiverProcess;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** The gateway's delays between attempts, seconds (the provider's schedule). */
  readonly retryScheduleSeconds: readonly number[];
  /** Real milliseconds per gateway second: 0.001 turns the gateway's hour into 3.6 s. */
  readonly timeScale: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Called after each answered attempt. */
  readonly onAttempt?: () => void;
}

/** An event of the burst waiting for its next attempt; `first` is its delivery, once built. */
interface QueuedEvent {
  readonly event: GatewayEvent;
  attempts: number;
  waitedSeconds: number;
  first: Delivery | null;
}

/** At least this many attempts per event, whatever the provider's schedule says: a restart may take a while. */
const MIN_ATTEMPTS = 8;

/**
 * Runs a burst to its end. Each event is delivered until the receiver answers 2xx or 4xx, or the gateway's schedule
 * runs out; every retry is the next attempt of the same delivery (one delivery id, attempt n), correctly signed anew as
 * it leaves (the gateway signs each attempt anew), all of them in the history. While the receiver restarts after a
 * kill, sending pauses: in real time the gateway's first retry comes minutes later, long after a restart, and the time
 * scale must not turn that into a storm of failed attempts.
 */
export async function runBurst(burst: Burst, ctx: BurstContext): Promise<void> {
  const maxAttempts = Math.max(MIN_ATTEMPTS, ctx.retryScheduleSeconds.length + 1);
  const queue: QueuedEvent[] = burst.events.map((event) => ({ event, attempts: 0, waitedSeconds: 0, first: null }));
  const kills = [...burst.kills].sort((a, b) => a - b);
  let outstanding = queue.length;
  let sent = 0;
  let restarting: Promise<void> | null = null;

  const killAndRestart = (): Promise<void> => {
    restarting ??= (async () => {
      await ctx.process.kill();
      await ctx.process.restart();
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  };

  async function worker(): Promise<void> {
    while (outstanding > 0) {
      const item = queue.shift();
      if (item === undefined) {
        await ctx.sleep(2);
        continue;
      }
      if (restarting !== null) await restarting;
      sent += 1;
      const killNow = kills[0] !== undefined && sent >= kills[0];
      if (killNow) kills.shift();
      // Built as the event's turn comes; a retry is the same delivery's next attempt, signed anew as it leaves.
      item.first ??= deliveryOf(ctx.signing, item.event, { fault: burst.fault ?? null });
      const delivery =
        item.attempts === 0
          ? item.first
          : retryOf(item.first, {
              fault: {
                kind: 'duplicate',
                detail: `retry ${item.attempts}, ${gatewayDelay(item.waitedSeconds)} after no answer as the gateway schedules it`,
              },
            });
      // The kill lands while this request and others are in flight.
      const killed = killNow ? killAndRestart() : null;
      const [attempt] = await ctx.deliverer.deliverStep([delivery]);
      item.attempts += 1;
      ctx.onAttempt?.();
      if (attempt?.outcome === 'info' && item.attempts < maxAttempts) {
        const delaySeconds = ctx.retryScheduleSeconds[item.attempts - 1] ?? ctx.retryScheduleSeconds.at(-1) ?? 60;
        item.waitedSeconds = delaySeconds;
        await ctx.sleep(Math.max(1, delaySeconds * 1_000 * ctx.timeScale));
        queue.push(item);
      } else {
        outstanding -= 1;
      }
      if (killed !== null) await killed;
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, ctx.concurrency) }, () => worker()));
  if (burst.restartBeforeCheck) await killAndRestart();
}

/** The events of a burst the receiver acknowledged (some attempt answered 2xx): these it must have applied. */
export function acknowledgedEvents(burst: Burst, history: DeliveryHistory): GatewayEvent[] {
  const acknowledged = new Set(
    history
      .all()
      .filter((a) => a.outcome === 'ok')
      .map((a) => a.eventId),
  );
  return burst.events.filter((event) => acknowledged.has(event.eventId));
}

/** A gateway delay as a person reads it: 45 s, 5 min, 2 h, 1 d. */
export function gatewayDelay(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8_640) / 10} d`;
}
