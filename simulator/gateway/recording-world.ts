import type { Provider } from '../../contracts/provider.js';
import { eventsOf } from '../events.js';
import type { World } from '../world.js';
import type { GatewayLedger } from './ledger.js';

/**
 * The world, with every order's events recorded in the gateway's ledger as they are built: the gateway's truth (never a
 * forged or tampered copy), so a receiver that re-fetches an event (Stripe `GET /v1/events/:id`) sees what happened.
 * The world itself when no API of the provider answers from the ledger.
 */
export function recordingWorld(world: World, provider: Provider, ledger: GatewayLedger): World {
  if (!ledger.keeps(provider)) return world;
  const recorded = (order: ReturnType<World['order']>) => {
    for (const event of eventsOf(provider, order)) ledger.record(provider, event.body);
    return order;
  };
  return {
    runId: world.runId,
    order: (lifecycle, options) => recorded(world.order(lifecycle, options)),
    twin: (order) => recorded(world.twin(order)),
  };
}
