import type { LifecycleFact } from '../contracts/lifecycle.js';
import type { Provider } from '../contracts/provider.js';
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

export function eventsOf(provider: Provider, order: WorldOrder): GatewayEvent[] {
  return order.steps.map((step) => {
    const { event, eventId } = provider.buildEvent(step);
    const fact = provider.toFact(event, eventId);
    if (fact === null) throw new Error(`provider ${provider.id} gives no lifecycle fact for a ${step.kind} step`);
    const type = typeof event === 'object' && event !== null && 'type' in event ? String(event.type) : step.kind;
    return { eventId, orderId: order.orderId, type, body: provider.encode(event), fact, createdAt: step.createdAt };
  });
}
