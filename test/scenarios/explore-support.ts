import type { FastifyInstance } from 'fastify';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { promisedDeliveries } from '../../scenarios/explore/cause-listing.js';
import { type ExploreOptions, type ExploreResult, explore } from '../../scenarios/explore/explore.js';
import { asksGateway } from '../../scenarios/explore/explore-gateway.js';
import { requestsOf } from '../../scenarios/explore/plan-model.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { startTestGateway } from '../support/gateway.js';
import { listenOnLoopback } from '../support/listen.js';

/** The fake gateway's key in these tests: the flawed receivers of postback providers ask a gateway started with it. */
export const GATEWAY_KEY = 'explore-gateway-key';

/**
 * A receiver on loopback (a flawed one by default), with the fake gateway when its provider asks one (PayPal IPN's
 * postback, Mollie's payments, PayPal REST's certificates) and the explore options that point at it; `close` stops both.
 */
export async function flawedTarget(
  providerId: ProviderId,
  flaw: Flaw | 'none',
  build: (options: { secret: string; gatewayUrl?: string }) => FastifyInstance = ({ secret, gatewayUrl }) =>
    buildFlawedReceiver({ provider: providerId, secret, flaw, ...(gatewayUrl === undefined ? {} : { gatewayUrl }) }),
) {
  const provider = providers[providerId];
  const secret = provider.secret.generate(new Uint8Array(32).fill(9));
  const gateway = asksGateway(provider) ? await startTestGateway(GATEWAY_KEY, [provider]) : undefined;
  const app = build({ secret, ...(gateway === undefined ? {} : { gatewayUrl: gateway.url }) });
  const base = await listenOnLoopback(app);
  const options = {
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    provider,
    secret,
    ...(provider.postback === undefined ? {} : { gatewayKey: GATEWAY_KEY }),
    settle: { timeoutMs: 2_000, quietMs: 50 },
  } as const;
  const close = async () => {
    await app.close();
    await gateway?.close();
  };
  return { base, secret, options, close };
}

let sessions = 0;

/** Explores a receiver with small, fast settings; `overrides` change any of them. */
export function exploreSmall(
  target: Awaited<ReturnType<typeof flawedTarget>>,
  overrides: Partial<ExploreOptions> = {},
): Promise<ExploreResult> {
  sessions += 1;
  return explore({
    ...target.options,
    seed: 1,
    runs: 40,
    session: `t${process.pid.toString(36)}${sessions.toString(36)}`,
    totalTimeMs: 60_000,
    ...overrides,
  });
}

/** Requests a cause's plan sends beyond one delivery of each of its orders' events (what the promise needs). */
export function deliveriesBeyondPromise(cause: ExploreResult['causes'][number]): number {
  // Counted from what was sent: one per event of the plan's orders.
  const requests = cause.plan.ops.reduce((sum, op) => sum + requestsOf(op), 0);
  const promised = promisedDeliveries(cause);
  return requests - promised;
}
