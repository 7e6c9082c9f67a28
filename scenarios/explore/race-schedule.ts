import type { Attempt } from '../../simulator/history.js';
import type { Delivery } from '../../simulator/plan.js';
import { createRandom, deriveSeed } from '../../simulator/random.js';

/**
 * How concurrent copies leave. Behind a barrier every copy is signed and as many connections as copies are open and
 * idle; then the copies are handed to the connection pool in a seeded order, copy i after `microtasks[i]` microtask
 * turns. Microtasks never yield to I/O, so every copy is on the wire before the receiver reads the first one: a
 * receiver that checks, awaits anything, then inserts lets at least two copies through, every time. The seed chooses
 * which copy leads and how the others interleave; a replay of the same seed releases them the same way.
 * (Event-loop turns or timers would be a worse schedule: on a loaded machine, each lets the receiver finish the first
 * copy before the next one leaves, and the race is then found only by luck.)
 */
export interface RaceSchedule {
  /** Copy indexes in the order they are handed to the pool. */
  readonly order: readonly number[];
  /** Microtask turns each copy (by index) waits after the barrier. */
  readonly microtasks: readonly number[];
}

export const MAX_MICROTASKS = 3;

export function raceSchedule(seed: number, label: string, copies: number): RaceSchedule {
  const random = createRandom(deriveSeed(seed, `race:${label}`));
  const order = random.shuffle(Array.from({ length: copies }, (_, i) => i));
  const microtasks = Array.from({ length: copies }, () => random.int(0, MAX_MICROTASKS));
  return { order, microtasks };
}

/** The position (1-based) at which a copy leaves under a schedule: by microtask turn, then by the seeded order. */
export function departure(schedule: RaceSchedule, copy: number): number {
  const key = (i: number) => (schedule.microtasks[i] ?? 0) * schedule.order.length + schedule.order.indexOf(i);
  const ranked = [...schedule.order].sort((a, b) => key(a) - key(b));
  return ranked.indexOf(copy) + 1;
}

/** Releases the copies on the schedule and resolves when every one is answered. */
export async function releaseOnSchedule(
  copies: readonly Delivery[],
  schedule: RaceSchedule,
  send: (delivery: Delivery) => Promise<readonly Attempt[]>,
): Promise<Attempt[]> {
  const answered = await Promise.all(
    schedule.order.map(async (i) => {
      for (let n = 0; n < (schedule.microtasks[i] ?? 0); n += 1) await Promise.resolve();
      const copy = copies[i];
      return copy === undefined ? [] : send(copy);
    }),
  );
  return answered.flat();
}
