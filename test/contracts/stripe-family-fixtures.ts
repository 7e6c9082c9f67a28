import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { stripeFamilies } from '../../contracts/providers/stripe.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, lifecycleKinds, type WorldOrder } from '../../simulator/world.js';

/** Stripe's families by id, and Stripe with one of them beside its default PaymentIntents (what a profile picks). */
export type FamilyId = keyof typeof stripeFamilies;
export const familyIds = Object.keys(stripeFamilies) as FamilyId[];

export function withFamily(id: FamilyId): Provider {
  return { ...providers.stripe, families: { [id]: stripeFamilies[id] } };
}

/** One order of every lifecycle, from a seeded world. */
export function worldOrders(seed: number, runId = 'sf') {
  const world = createWorld({ random: createRandom(seed), runId, startSeconds: 1_800_000_000 });
  return { world, orders: lifecycleKinds.map((kind) => world.order(kind)) };
}

export function orderOf(orders: readonly WorldOrder[], kind: LifecycleKind): WorldOrder {
  const order = orders.find((o) => o.lifecycle === kind);
  if (order === undefined) throw new Error(`no ${kind} order in the world`);
  return order;
}
