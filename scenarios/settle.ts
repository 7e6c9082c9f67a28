import type { Clock } from '../contracts/clock.js';
import type { OrderView } from '../contracts/probe.js';
import type { ProbeClient } from './probe-client.js';

/**
 * Waits until the receiver has settled, bounded in time, and returns what the probe shows for each order.
 * A receiver that reports `inboxPending` is read once that is 0. Otherwise the probe is polled until every order
 * matches the expectation and stays so for `quietMs`, or, when it does not match, until nothing changes for `quietMs`.
 */
export interface SettleOptions {
  readonly timeoutMs: number;
  readonly quietMs: number;
  readonly pollMs: number;
}

export const defaultSettle: SettleOptions = { timeoutMs: 10_000, quietMs: 300, pollMs: 25 };

export async function settle(
  probe: ProbeClient,
  orderIds: readonly string[],
  matches: (observed: ReadonlyMap<string, OrderView | null>) => boolean,
  options: SettleOptions & { clock: Clock; sleep: (ms: number) => Promise<void> },
): Promise<Map<string, OrderView | null>> {
  const deadline = options.clock() + options.timeoutMs;
  const read = async () =>
    new Map(await Promise.all(orderIds.map(async (id) => [id, await probe.getOrder(id)] as const)));

  while (options.clock() < deadline) {
    const health = await probe.health();
    if (health.inboxPending === undefined) break;
    if (health.inboxPending === 0) return read();
    await options.sleep(options.pollMs);
  }

  let last = await read();
  let lastKey = JSON.stringify([...last]);
  let stableSince = options.clock();
  while (options.clock() < deadline) {
    const quiet = matches(last) ? Math.min(100, options.quietMs) : options.quietMs;
    if (options.clock() - stableSince >= quiet) return last;
    await options.sleep(options.pollMs);
    const next = await read();
    const key = JSON.stringify([...next]);
    if (key !== lastKey) {
      last = next;
      lastKey = key;
      stableSince = options.clock();
    }
  }
  return last;
}
