import type { Clock } from '../../contracts/clock.js';
import type { Provider } from '../../contracts/provider.js';
import type { GatewayLedger } from './ledger.js';
import type { GatewayMonitor } from './monitor.js';

/**
 * One request to the fake gateway's API, whatever carried it (fastify over HTTP, msw in-process): the transport-neutral
 * input of a `GatewayEndpoint`. Header names are lower case.
 */
export interface GatewayRequest {
  readonly method: string;
  /** The origin the request reached (`http://127.0.0.1:8787`, or `https://api.mollie.com` under msw): list links point there. */
  readonly origin: string;
  /** Path parameters by name (`:id` → `params.id`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  header(name: string): string | undefined;
  /** The raw body (empty for a GET). */
  readonly body: Uint8Array;
}

/** What the gateway answers, before a transport writes it. */
export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** For a list answer: the ids of the objects it carries (the run's evidence of what a reconciler fetched). */
  readonly listed?: readonly string[];
}

/** What every endpoint answers from: the gateway's key, the providers it serves and what the run has sent. */
export interface GatewayContext {
  /** The key the simulator marks its messages with (`gatewayKeyFromSeed`), for stateless answers (PayPal postback). */
  readonly key: string;
  readonly providers: readonly Provider[];
  /** The events the run has sent, for APIs that answer with them (Stripe's `GET /v1/events/:id`). */
  readonly ledger: GatewayLedger;
  /**
   * API keys a receiver may authenticate with (Stripe `sk_test_…`); empty = any test-mode key of the right format,
   * never a live one.
   */
  readonly apiKeys: readonly string[];
  /** The gateway's time (certificate validity when it verifies a PayPal REST signature). */
  readonly clock: Clock;
  /** Where the run watches the calls receivers make and scripts the API's outages (none: nothing recorded). */
  readonly monitor?: GatewayMonitor;
}

/**
 * One route of the fake gateway's API, written once and served by two adapters: `registerEndpoints` (fastify, the
 * gateway server) and `gatewayHandlers` (msw, a receiver's unit tests).
 */
export interface GatewayEndpoint {
  readonly method: 'GET' | 'POST';
  /** Path with `:name` parameters (the syntax fastify and msw share), e.g. `/v1/events/:id`. */
  readonly path: string;
  /** The real gateway's origins serving this path (`https://api.stripe.com`): where the msw handlers listen. */
  readonly origins: readonly string[];
  /** For the gateway's index page and reports: `stripe events`, `paypal-ipn postback`. */
  readonly name: string;
  answer(request: GatewayRequest, context: GatewayContext): GatewayAnswer | Promise<GatewayAnswer>;
  /**
   * Set on a list of what the gateway sent (Stripe's `GET /v1/events`), the API a reconciler pages through: whether a
   * request asks for a page after the first (where the run plays its outage).
   */
  readonly lists?: { readonly isLaterPage: (request: GatewayRequest) => boolean };
}

/**
 * An endpoint's answer to a request, through the run's monitor when there is one: a scripted outage answers in its
 * place, and the call is recorded with what it listed. Both adapters answer through this.
 */
export async function answerRequest(
  endpoint: GatewayEndpoint,
  request: GatewayRequest,
  context: GatewayContext,
): Promise<GatewayAnswer> {
  const monitor = context.monitor;
  if (monitor === undefined) return endpoint.answer(request, context);
  const answer = monitor.outageFor(endpoint.name, request) ?? (await endpoint.answer(request, context));
  const query = request.query.toString();
  monitor.record({
    atMs: context.clock(),
    endpoint: endpoint.name,
    method: request.method,
    path: `${endpoint.path.replace(/:([a-z]+)/gi, (_, name: string) => request.params[name] ?? '')}${query === '' ? '' : `?${query}`}`,
    status: answer.status,
    listed: answer.status === 200 ? (answer.listed ?? []) : [],
  });
  return answer;
}

/** The endpoints one module adds for the providers a gateway serves (none when it serves none of its providers). */
export type GatewayRoutes = (providers: readonly Provider[]) => readonly GatewayEndpoint[];

export function textAnswer(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): GatewayAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

export function jsonAnswer(
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): GatewayAnswer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value, null, 2) };
}
