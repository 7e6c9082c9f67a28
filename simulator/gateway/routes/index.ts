import type { Provider } from '../../../contracts/provider.js';
import type { GatewayEndpoint, GatewayRoutes } from '../endpoint.js';
import { GatewayLedger, type LedgerRecorder } from '../ledger.js';
import { fetchRoutes, recordMolliePayment } from './mollie.js';
import { paypalRestRoutes, recordPaypalRestEvent } from './paypal-rest.js';
import { postbackRoutes } from './postback.js';
import { recordStripeEvent, stripeRoutes } from './stripe.js';

/**
 * Every module of the fake gateway's API, one per provider or protocol: the fastify server (`buildGateway`) and the
 * msw handlers (`gatewayHandlers`) both serve exactly these. A new provider's API is one module and one line here.
 */
const routeModules: readonly GatewayRoutes[] = [postbackRoutes, stripeRoutes, fetchRoutes, paypalRestRoutes];

/** How each provider's sent bodies feed the ledger its API answers from, by provider id. */
const recorders: Readonly<Record<string, LedgerRecorder>> = {
  stripe: recordStripeEvent,
  'paypal-rest': recordPaypalRestEvent,
  mollie: recordMolliePayment,
};

/** The endpoints a gateway serving these providers answers. */
export function gatewayEndpoints(providers: readonly Provider[]): GatewayEndpoint[] {
  return routeModules.flatMap((routes) => routes(providers));
}

/** An empty ledger that knows how every provider's bodies feed its API (see `GatewayLedger.record`). */
export function createGatewayLedger(options: { readonly maxEntries?: number } = {}): GatewayLedger {
  return new GatewayLedger(recorders, options);
}

/** The endpoint a reconciler pages through for this provider (a list of what the gateway sent), if it serves one. */
export function listEndpoint(provider: Provider): GatewayEndpoint | undefined {
  return gatewayEndpoints([provider]).find((endpoint) => endpoint.lists !== undefined);
}
