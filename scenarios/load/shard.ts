import { IpnError } from '../../contracts/errors.js';
import type { EventTable } from './event-table.js';
import type { DeliverySource } from './plan.js';
import type { Shard } from './report.js';

/** Most shards a plan is split into. */
export const MAX_SHARDS = 1_000;

/** `--shard i/n` (1 ≤ i ≤ n); errors say what the flag takes. */
export function parseShard(value: string): Shard {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(count >= 1 && count <= MAX_SHARDS && index >= 1 && index <= count)) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `load: --shard must look like 2/4 (shard 2 of 4, 1 to ${MAX_SHARDS}), got "${value}".`,
      {
        hint: 'Give each machine the same flags and seed, and its own --shard i/n with the same n.',
      },
    );
  }
  return { index, count };
}

/**
 * Whether an order is in a shard: orders are dealt out in turn (order k to shard k mod n + 1), so each shard gets an
 * even slice of every part of the plan, like k6's striped execution segments, and every event of an order, with its
 * duplicates and forgeries, goes to the order's shard.
 */
export function inShard(shard: Shard, order: number): boolean {
  return order % shard.count === shard.index - 1;
}

/**
 * The shard's part of the plan: the whole plan's first `maxDeliveries` deliveries, built in the same order from the
 * same seed (so delivery ids, duplicates and forgeries are the ones the unsharded run draws), keeping those whose order
 * is in the shard. The shards' parts are disjoint and together are the unsharded plan.
 */
export function shardSource(
  source: DeliverySource,
  table: EventTable,
  shard: Shard | null,
  maxDeliveries: number,
): DeliverySource & { limitReached(): boolean } {
  let drawn = 0;
  return {
    limitReached: () => drawn >= maxDeliveries,
    next() {
      while (drawn < maxDeliveries) {
        const planned = source.next();
        if (planned === null) return null;
        drawn += 1;
        if (shard === null || inShard(shard, table.orderOf(planned.event))) return planned;
      }
      return null;
    },
  };
}
