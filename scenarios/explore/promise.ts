import type { Provider } from '../../contracts/provider.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom, deriveSeed } from '../../simulator/random.js';
import { createWorld, type LifecycleKind } from '../../simulator/world.js';
import type { ExploreOp, ExplorePlan } from './plan-model.js';

/**
 * The gateway's promise: every event of every order is delivered at least once, in any order, possibly duplicated. A
 * plan that never delivers an event judges a state the lifecycle rule does not determine (a receiver may reasonably
 * read a refund as proof of the payment it refunds; the rule over the refund alone says `awaiting_payment`), so every
 * explored plan keeps it: the generator inserts a plain delivery of each event no operation delivers, and shrinking
 * never removes the last one. See docs/decisions/0024-explore-promise.md.
 */

/**
 * What can genuinely deliver an event for this provider (reformats and rotation exist only where the provider has them),
 * and the provider, whose events for a lifecycle are counted (a family may send two events for one step).
 */
export interface DeliveryKinds {
  readonly provider: Provider;
  readonly reformats: readonly string[];
  readonly rotation: boolean;
}

const counts = new WeakMap<Provider, Map<LifecycleKind, number>>();

/** How many events an order of this lifecycle has with this provider, whatever the seed (the world's steps, as sent). */
export function eventCount(provider: Provider, kind: LifecycleKind): number {
  const known = counts.get(provider) ?? new Map<LifecycleKind, number>();
  counts.set(provider, known);
  let count = known.get(kind);
  if (count === undefined) {
    const world = createWorld({ random: createRandom(0), runId: 'count', startSeconds: 0, payee: 'count@example.com' });
    count = eventsOf(provider, world.order(kind)).length;
    known.set(kind, count);
  }
  return count;
}

/** The (order, event) an operation names, its indexes wrapped as materialize wraps them; null for a pause. */
export function eventOf(
  op: ExploreOp,
  plan: Pick<ExplorePlan, 'orders'>,
  provider: Provider,
): { order: number; event: number } | null {
  if (op.op === 'pause') return null;
  const order = op.order % plan.orders.length;
  const kind = plan.orders[order];
  return kind === undefined ? null : { order, event: op.event % Math.max(1, eventCount(provider, kind)) };
}

/**
 * Whether an operation is a genuine delivery of its event: plain, duplicated, concurrent, re-signed, reformatted or
 * rotated. A forgery, a replay outside the window or a malformed request does not deliver the event.
 */
export function delivers(op: ExploreOp, kinds: DeliveryKinds): boolean {
  switch (op.op) {
    case 'deliver':
    case 'concurrent':
    case 'resigned':
      return true;
    case 'reformatted':
      return kinds.reformats.includes(op.name);
    case 'rotated':
      return kinds.rotation;
    default:
      return false;
  }
}

const key = (at: { order: number; event: number }) => `${at.order}:${at.event}`;

/** The events of the plan's orders that no operation delivers, in order. */
export function undelivered(plan: ExplorePlan, kinds: DeliveryKinds): { order: number; event: number }[] {
  const delivered = new Set(
    plan.ops.flatMap((op) => {
      const at = delivers(op, kinds) ? eventOf(op, plan, kinds.provider) : null;
      return at === null ? [] : [key(at)];
    }),
  );
  return plan.orders.flatMap((kind, order) =>
    Array.from({ length: eventCount(kinds.provider, kind) }, (_, event) => ({ order, event })).filter(
      (at) => !delivered.has(key(at)),
    ),
  );
}

/** The plan with a plain delivery of every undelivered event, each at a position drawn from the plan's seed. */
export function keepPromise(plan: ExplorePlan, kinds: DeliveryKinds): ExplorePlan {
  const missing = undelivered(plan, kinds);
  if (missing.length === 0) return plan;
  const ops = [...plan.ops];
  for (const at of missing) {
    const position = deriveSeed(plan.worldSeed, `promise:${key(at)}`) % (ops.length + 1);
    ops.splice(position, 0, { op: 'deliver', order: at.order, event: at.event });
  }
  return { ...plan, ops };
}

/** Whether the operation at `index` is the last genuine delivery of its event (removing it would break the promise). */
export function isLastDelivery(plan: ExplorePlan, index: number, kinds: DeliveryKinds): boolean {
  const op = plan.ops[index];
  if (op === undefined || !delivers(op, kinds)) return false;
  const at = eventOf(op, plan, kinds.provider);
  if (at === null) return false;
  return !plan.ops.some((other, j) => {
    if (j === index || !delivers(other, kinds)) return false;
    const there = eventOf(other, plan, kinds.provider);
    return there !== null && key(there) === key(at);
  });
}
