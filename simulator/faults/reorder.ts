import type { GatewayEvent } from '../events.js';
import type { Random } from '../random.js';

/** An order's events newest-first: the gateway's retries of early events land after later ones. */
export function newestFirst(events: readonly GatewayEvent[]): GatewayEvent[] {
  return [...events].sort((a, b) => b.createdAt - a.createdAt);
}

/** A seeded shuffle that is guaranteed not to be the original order when there are two or more events. */
export function shuffled(events: readonly GatewayEvent[], random: Random): GatewayEvent[] {
  if (events.length < 2) return [...events];
  for (let tries = 0; tries < 8; tries += 1) {
    const candidate = random.shuffle(events);
    if (candidate.some((event, i) => event !== events[i])) return candidate;
  }
  return newestFirst(events);
}
