export { createHttpDeliverer, type HttpDeliverer, type HttpDelivererOptions } from './delivery/http.js';
export { eventsOf, type GatewayEvent } from './events.js';
export { concurrentCopies, resignedCopy, sequentialCopies } from './faults/duplicate.js';
export { forgery, forgeryNames, replayed, replayOffsets, rotated } from './faults/forge.js';
export { paidToAnotherAccount, postbackForgery, postbackForgeryNames } from './faults/postback-forge.js';
export { newestFirst, shuffled } from './faults/reorder.js';
export { tamperJsonBody } from './faults/tamper.js';
export { buildGateway, type GatewayOptions } from './gateway/app.js';
export type { GatewayAnswer, GatewayContext, GatewayEndpoint, GatewayRequest } from './gateway/endpoint.js';
export { gatewayKeyFromSeed } from './gateway/key.js';
export type { GatewayLedger } from './gateway/ledger.js';
export { type GatewayCall, GatewayMonitor, type GatewayOutage } from './gateway/monitor.js';
export { recordingWorld } from './gateway/recording-world.js';
export { createGatewayLedger, gatewayEndpoints } from './gateway/routes/index.js';
export { type RunningGateway, type StartGatewayOptions, startGateway } from './gateway/server.js';
export { type Attempt, type AttemptOutcome, DeliveryHistory, outcomeOf } from './history.js';
export {
  type AttemptOptions,
  copiesOf,
  createSigningContext,
  type Delivery,
  type DeliveryOptions,
  deliveryOf,
  type FaultKind,
  type FaultTag,
  faultKinds,
  inSequence,
  type PlanStep,
  retryOf,
  type SignedAttempt,
  type Signer,
  type SigningContext,
} from './plan.js';
export { createRandom, deriveSeed, type Random } from './random.js';
export { canPlay, createWorld, type LifecycleKind, lifecycleKinds, type World, type WorldOrder } from './world.js';
