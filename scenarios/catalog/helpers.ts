import type { GatewayEvent } from '../../simulator/events.js';

/** The newest event of an order (its payment's success for a `paid` order). */
export function lastEvent(events: readonly GatewayEvent[]): GatewayEvent {
  const last = events.at(-1);
  if (last === undefined) throw new Error('an order without events has no last event');
  return last;
}
