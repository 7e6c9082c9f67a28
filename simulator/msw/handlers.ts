import { type HttpHandler, HttpResponse, http } from 'msw';
import type { Provider } from '../../contracts/provider.js';
import { providerById, providerIds } from '../../contracts/providers/index.js';
import { gatewayContext } from '../gateway/app.js';
import { answerRequest, type GatewayEndpoint, type GatewayRequest } from '../gateway/endpoint.js';
import { gatewayKeyFromSeed } from '../gateway/key.js';
import type { GatewayLedger } from '../gateway/ledger.js';
import type { GatewayMonitor } from '../gateway/monitor.js';
import { gatewayEndpoints } from '../gateway/routes/index.js';

interface CommonOptions {
  /** The providers whose APIs to answer (ids or `Provider` objects); default every built-in provider. */
  readonly providers?: readonly (string | Provider)[];
  /**
   * What the gateway answers Stripe's `GET /v1/events/:id` and `/v1/payment_intents/:id` from: record each request
   * your test signs (`ledger.record('stripe', request.body)`); default an empty one (every id answered 404).
   */
  readonly ledger?: GatewayLedger;
  /** API keys your code may send (Stripe `sk_test_…`); default any test-mode key, never a live one. */
  readonly apiKeys?: readonly string[];
  /**
   * Origins answered besides the real gateways' (`https://ipnpb.paypal.com`, `https://api.stripe.com`…), e.g. the
   * gateway URL your receiver is configured with in tests (`http://gateway.test`).
   */
  readonly origins?: readonly string[];
  /** Records the calls your code makes and plays scripted outages (`monitor.fail(…)`), as the run's gateway does. */
  readonly monitor?: GatewayMonitor;
}

/**
 * The fake gateway's key: the one given to `signedPayment({ gatewayKey })` / `ipn-gauntlet run --gateway-key`, or the
 * seed it derives from (`run --seed N`).
 */
export type GatewayHandlersOptions = CommonOptions & ({ readonly key: string } | { readonly seed: number });

/**
 * msw 2 request handlers for the fake gateway's APIs at the real gateways' hostnames, so a receiver's own unit tests
 * need no network: PayPal's IPN postback (`https://ipnpb.paypal.com/cgi-bin/webscr` and the sandbox host), Stripe's
 * `GET https://api.stripe.com/v1/events/:id` and `/v1/payment_intents/:id`. The answers are the gateway server's own
 * (`simulator/gateway/routes/`): one implementation, two adapters.
 *
 *   const server = setupServer(...gatewayHandlers({ key }));
 */
export function gatewayHandlers(options: GatewayHandlersOptions): HttpHandler[] {
  const key = 'key' in options ? options.key : gatewayKeyFromSeed(options.seed);
  const providers = (options.providers ?? providerIds).map((p) => (typeof p === 'string' ? providerById(p) : p));
  const context = gatewayContext({
    key,
    providers,
    ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
    ...(options.apiKeys === undefined ? {} : { apiKeys: options.apiKeys }),
    ...(options.monitor === undefined ? {} : { monitor: options.monitor }),
  });
  const extra = (options.origins ?? []).map((origin) => origin.replace(/\/+$/, ''));
  return gatewayEndpoints(providers).flatMap((endpoint) =>
    [...endpoint.origins, ...extra].map((origin) => handlerOf(endpoint, `${origin}${endpoint.path}`, context)),
  );
}

function handlerOf(endpoint: GatewayEndpoint, url: string, context: ReturnType<typeof gatewayContext>): HttpHandler {
  const method = endpoint.method === 'GET' ? http.get : http.post;
  return method(url, async ({ request, params }) => {
    const answer = await answerRequest(endpoint, await gatewayRequestOf(request, params), context);
    return new HttpResponse(answer.body, { status: answer.status, headers: answer.headers });
  });
}

async function gatewayRequestOf(
  request: Request,
  params: Readonly<Record<string, string | readonly string[] | undefined>>,
): Promise<GatewayRequest> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) flat[name] = typeof value === 'string' ? value : value.join('/');
  }
  return {
    method: request.method,
    origin: new URL(request.url).origin,
    params: flat,
    query: new URL(request.url).searchParams,
    header: (name) => request.headers.get(name) ?? undefined,
    body: request.method === 'GET' ? new Uint8Array(0) : new Uint8Array(await request.arrayBuffer()),
  };
}
