import type { LifecycleFact } from '../contracts/lifecycle.js';
import type { BuiltEvent, LifecycleStep, Provider } from '../contracts/provider.js';
import type { WorldOrder } from './world.js';

/** One event of the gateway's truth, in a provider's wire format (not yet signed). */
export interface GatewayEvent {
  readonly eventId: string;
  readonly orderId: string;
  /** The provider's event type, for reports ("payment_intent.succeeded"). */
  readonly type: string;
  readonly body: Uint8Array;
  /** What a correct receiver learns from it. */
  readonly fact: LifecycleFact;
  /** The gateway's event time, unix seconds. */
  readonly createdAt: number;
}

/**
 * The events a step is sent as: by the first of the provider's families that has events for it (a receiver's profile
 * leaves only the families it handles), else by the provider's default family (`buildEvent`) when its kinds include
 * the step's. A family may send several events for one step (Stripe's `invoice.paid` and `invoice.payment_succeeded`).
 */
export function builtEvents(
  provider: Provider,
  step: LifecycleStep,
  earlier: readonly LifecycleStep[] = [],
): readonly BuiltEvent[] {
  for (const family of Object.values(provider.families ?? {})) {
    if (!family.factKinds.includes(step.kind)) continue;
    const built = family.buildEvents(step, earlier);
    // An empty list is the family's word that the gateway sends nothing for this step (a PayPal recurring payments
    // profile going back to active); null, that the family does not express it.
    if (built !== null) return built;
  }
  if (!('subscriptionKey' in step) && provider.factKinds.includes(step.kind)) return [provider.buildEvent(step)];
  throw new Error(`provider ${provider.id} has no event for a ${step.kind} step (its families do not include one)`);
}

export function eventsOf(provider: Provider, order: WorldOrder): GatewayEvent[] {
  return order.steps.flatMap((step, i) =>
    builtEvents(provider, step, order.steps.slice(0, i)).map(({ event, eventId }) => {
      const fact = provider.toFact(event, eventId);
      if (fact === null) throw new Error(`provider ${provider.id} gives no lifecycle fact for a ${step.kind} step`);
      const type = typeof event === 'object' && event !== null && 'type' in event ? String(event.type) : step.kind;
      return { eventId, orderId: order.orderId, type, body: provider.encode(event), fact, createdAt: step.createdAt };
    }),
  );
}
