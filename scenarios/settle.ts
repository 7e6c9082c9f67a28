import type { Clock } from '../contracts/clock.js';
import type { OrderView } from '../contracts/probe.js';
import type { ProbeClient } from './probe-client.js';
import type { Snapshot } from './record/run-record.js';

/**
 * How long to wait for a receiver to settle before reading its orders. A receiver that reports `inboxPending` is
 * waited for as long as that number keeps falling — a burst of thousands of events takes what it takes — and given
 * up on only after `stallMs` without progress (or `maxMs` in all). Without it, the probe is polled until every order
 * matches the expectation and stays so briefly, or nothing changes for `quietMs`, within `timeoutMs`.
 */
export interface SettleOptions {
  readonly timeoutMs: number;
  readonly quietMs: number;
  readonly pollMs: number;
  /** With `inboxPending`: how long the count may stay where it is before the wait gives up. */
  readonly stallMs: number;
  /** With `inboxPending`: the longest wait in all. */
  readonly maxMs: number;
}

export const defaultSettle: SettleOptions = {
  timeoutMs: 10_000,
  quietMs: 300,
  pollMs: 25,
  stallMs: 10_000,
  maxMs: 300_000,
};

export interface SettleContext extends SettleOptions {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Waits until the receiver has settled, bounded in time, and returns what the probe shows for each order, and how
 * the wait ended. A wait that ran out (`timeout`) or a probe that failed (`error`) is reported, never thrown: the
 * checks then leave the state unjudged rather than call an event lost.
 */
export async function settledSnapshot(
  probe: ProbeClient,
  orderIds: readonly string[],
  matches: (observed: ReadonlyMap<string, OrderView | null>) => boolean,
  options: SettleContext,
): Promise<Snapshot> {
  try {
    return await settle(probe, orderIds, matches, options);
  } catch (error) {
    return { orders: {}, settledBy: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** One read of every order, now (the state right after creating them, or a read that needs no wait). */
export async function readOrders(probe: ProbeClient, orderIds: readonly string[]): Promise<Snapshot> {
  try {
    return { orders: Object.fromEntries(await readAll(probe, orderIds)), settledBy: 'quiet', detail: null };
  } catch (error) {
    return { orders: {}, settledBy: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
}

async function readAll(probe: ProbeClient, orderIds: readonly string[]): Promise<Map<string, OrderView | null>> {
  return new Map(await Promise.all(orderIds.map(async (id) => [id, await probe.getOrder(id)] as const)));
}

async function settle(
  probe: ProbeClient,
  orderIds: readonly string[],
  matches: (observed: ReadonlyMap<string, OrderView | null>) => boolean,
  options: SettleContext,
): Promise<Snapshot> {
  const started = options.clock();
  const snapshot = async (settledBy: Snapshot['settledBy'], detail: string | null): Promise<Snapshot> => ({
    orders: Object.fromEntries(await readAll(probe, orderIds)),
    settledBy,
    detail,
  });

  // A receiver that says how much it has left: wait while that number falls.
  let pending = (await probe.health()).inboxPending;
  if (pending !== undefined) {
    let lowest = pending;
    let progressAt = started;
    while (pending !== undefined && pending > 0) {
      const now = options.clock();
      if (pending < lowest) {
        lowest = pending;
        progressAt = now;
      }
      if (now - progressAt >= options.stallMs || now - started >= options.maxMs) {
        return snapshot(
          'timeout',
          `${pending} events were still pending in the receiver's inbox after ${Math.round((now - started) / 1000)} s ` +
            `(no progress for ${Math.round((now - progressAt) / 1000)} s)`,
        );
      }
      await options.sleep(options.pollMs);
      pending = (await probe.health()).inboxPending;
    }
    if (pending === 0) return snapshot('inbox', null);
  }

  // Otherwise: until the state matches and stays so briefly, or stops changing for the quiet period.
  const deadline = started + options.timeoutMs;
  let last = await readAll(probe, orderIds);
  let lastKey = JSON.stringify([...last]);
  let stableSince = options.clock();
  while (options.clock() < deadline) {
    const quiet = matches(last) ? Math.min(100, options.quietMs) : options.quietMs;
    if (options.clock() - stableSince >= quiet)
      return { orders: Object.fromEntries(last), settledBy: 'quiet', detail: null };
    await options.sleep(options.pollMs);
    const next = await readAll(probe, orderIds);
    const key = JSON.stringify([...next]);
    if (key !== lastKey) {
      last = next;
      lastKey = key;
      stableSince = options.clock();
    }
  }
  return {
    orders: Object.fromEntries(last),
    settledBy: 'timeout',
    detail: `the orders were still changing after ${Math.round(options.timeoutMs / 1000)} s`,
  };
}
