import Fastify, { type FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../../contracts/clock.js';
import type { Provider } from '../../contracts/provider.js';
import type { GatewayContext } from './endpoint.js';
import { registerEndpoints } from './fastify-adapter.js';
import type { GatewayLedger } from './ledger.js';
import type { GatewayMonitor } from './monitor.js';
import { createGatewayLedger, gatewayEndpoints } from './routes/index.js';

export interface GatewayOptions {
  /** The key the simulator marks the messages it sends with (see `gatewayKeyFromSeed`). */
  readonly key: string;
  /** The providers whose gateway APIs to serve (PayPal's postback, Stripe's event API…). */
  readonly providers: readonly Provider[];
  /**
   * What the run has sent, for APIs that answer with it (Stripe's `GET /v1/events/:id`); default an empty one.
   * The run records into it (`GatewayLedger.record`).
   */
  readonly ledger?: GatewayLedger;
  /** API keys receivers may use (Stripe `sk_test_…`); default any test-mode key, never a live one. */
  readonly apiKeys?: readonly string[];
  /** The gateway's time; default the system clock. */
  readonly clock?: Clock;
  /** Largest request body accepted, bytes. */
  readonly bodyLimit?: number;
  /** Records every API call and plays scripted outages (the run's `consistency.reconciled` uses it). */
  readonly monitor?: GatewayMonitor;
}

/** The context every endpoint answers from, with the defaults filled in (shared with the msw handlers). */
export function gatewayContext(options: Omit<GatewayOptions, 'bodyLimit'>): GatewayContext {
  return {
    key: options.key,
    providers: options.providers,
    ledger: options.ledger ?? createGatewayLedger(),
    apiKeys: options.apiKeys ?? [],
    clock: options.clock ?? systemClock,
    ...(options.monitor === undefined ? {} : { monitor: options.monitor }),
  };
}

/**
 * The fake gateway's own HTTP API, as a fastify app that never listens (tests `inject()` it or listen it on loopback;
 * `startGateway` serves it): the endpoints of `routes/` (PayPal's postback, Stripe's events and payment intents), the
 * same ones the msw handlers serve. The Host header is ignored, so live and sandbox paths are answered alike.
 */
export function buildGateway(options: GatewayOptions): FastifyInstance {
  // maxParamLength: the fake Mollie's payment ids carry the payment's state, longer than fastify's default 100.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // The receiver under test calls this server (postbacks, fetches): one that stalls mid-request is cut off, so a run
    // never waits on it and its connections do not pile up.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 2048 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const context = gatewayContext(options);
  const endpoints = gatewayEndpoints(options.providers);
  app.get('/', async () => ({
    gateway: 'ipn-gauntlet',
    endpoints: endpoints.map((e) => ({ name: e.name, method: e.method, path: e.path })),
  }));
  registerEndpoints(app, endpoints, context);
  return app;
}
