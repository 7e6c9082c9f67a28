/**
 * `ipn-gauntlet/msw`: the fake gateway's APIs as msw 2 handlers for a receiver's own unit tests, with the ledger the
 * Stripe event API answers from. Pair with `ipn-gauntlet/sign` to build the signed requests.
 */

export { gatewayKeyFromSeed } from '../gateway/key.js';
export type { GatewayLedger } from '../gateway/ledger.js';
export { type GatewayCall, GatewayMonitor, type GatewayOutage } from '../gateway/monitor.js';
export { createGatewayLedger } from '../gateway/routes/index.js';
export { type GatewayHandlersOptions, gatewayHandlers } from './handlers.js';
