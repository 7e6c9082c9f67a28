import { z } from 'zod';
import { lifecycleKinds } from '../../simulator/world.js';

/**
 * An explore plan as data: a few orders (world lifecycles) and a list of delivery operations over their events. It is
 * what fast-check generates and shrinks, what a case file stores and what `replay` re-runs; ids, bodies and signatures
 * are derived from it (and a fresh run id) when it is played, so the same plan replays against a receiver that keeps
 * its database.
 *
 * An operation names an event as (order, event) indexes; indexes wrap around the plan's orders and each order's events,
 * so any shrunk plan still means something. Operations run in list order: delivering a later event of an order before
 * an earlier one is the reordering fault.
 */
const index = z.number().int().nonnegative().max(1_000);
const target = { order: index, event: index };

export const ExploreOpSchema = z.discriminatedUnion('op', [
  /** The event, correctly signed now (tagged `duplicate` or `reordered` when it is one). */
  z.object({ op: z.literal('deliver'), ...target }),
  /** `copies` identical copies released together on a seeded race schedule (one copy is a plain delivery). */
  z.object({ op: z.literal('concurrent'), ...target, copies: z.number().int().min(1).max(16) }),
  /** The event re-sent as the gateway re-sends it: signed `earlierBySeconds` apart from now, so a new signature. */
  z.object({ op: z.literal('resigned'), ...target, earlierBySeconds: z.number().int().min(1).max(90) }),
  /** A forgery from the fault catalog (`forgeryNames(provider)`), expected to be rejected. */
  z.object({ op: z.literal('forged'), ...target, name: z.string().min(1) }),
  /** Correctly signed outside the replay window (`replayOffsets(provider)`), expected to be rejected. */
  z.object({ op: z.literal('replayed'), ...target, name: z.string().min(1) }),
  /** Two signatures, an old secret's and the current one, the valid one first or last; expected to be accepted. */
  z.object({ op: z.literal('rotated'), ...target, valid: z.enum(['first', 'last']) }),
  /** The event in another shape that means the same (`reformatNames(provider)`), expected to be accepted. */
  z.object({ op: z.literal('reformatted'), ...target, name: z.string().min(1) }),
  /** Garbage built around an event already delivered (skipped when it was not): never a 5xx, a reset or a hang. */
  z.object({ op: z.literal('malformed'), ...target, kind: z.string().min(1), draw: z.number().int().nonnegative() }),
  /** The gateway waits before the next operation. */
  z.object({ op: z.literal('pause'), ms: z.number().int().min(1).max(200) }),
]);
export type ExploreOp = z.infer<typeof ExploreOpSchema>;
export type OpName = ExploreOp['op'];

export const ExplorePlanSchema = z.object({
  /** Seeds the world (amounts, currencies, event keys) and every seeded choice of the faults and the race schedule. */
  worldSeed: z.number().int().nonnegative(),
  orders: z.array(z.enum(lifecycleKinds)).min(1).max(6),
  // Up to 64 generated operations, and the deliveries the promise adds (scenarios/explore/promise.ts).
  ops: z.array(ExploreOpSchema).min(1).max(96),
});
export type ExplorePlan = z.infer<typeof ExplorePlanSchema>;

/** How many requests an operation sends. */
export function requestsOf(op: ExploreOp): number {
  switch (op.op) {
    case 'pause':
      return 0;
    case 'concurrent':
      return op.copies;
    default:
      return 1;
  }
}

/** Whether an operation sends something other than one genuine delivery. */
export function isFault(op: ExploreOp): boolean {
  return op.op !== 'deliver' && op.op !== 'pause' && !(op.op === 'concurrent' && op.copies === 1);
}

/** The plan's fault count: operations that are not one plain delivery (or a pause). */
export function faultsOf(plan: ExplorePlan): number {
  return plan.ops.filter(isFault).length;
}

/** The plan's request count. */
export function deliveriesOf(plan: ExplorePlan): number {
  return plan.ops.reduce((sum, op) => sum + requestsOf(op), 0);
}
