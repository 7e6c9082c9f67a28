import { onTestFinished } from 'vitest';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import type { FindingReason, RunReport } from '../../scenarios/verdict.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger, listEndpoint } from '../../simulator/gateway/routes/index.js';
import { buildFlawedReceiver, type Flaw, type FlawedReceiverOptions } from '../fixtures/flawed-receiver.js';
import { startTestGateway } from './gateway.js';
import { gauntletAgainst } from './gauntlet.js';
import { listenOnLoopback } from './listen.js';

/** Where the flawed receivers pretend to be registered (a proxy in front of loopback), for Square. */
const REGISTERED_BASE = 'https://hooks.example.com';
/** The API key each listing provider's reconciler reads its list with (Mollie's: the receiver's own API key). */
const reconcileKeys: Partial<Record<ProviderId, string>> = { stripe: 'sk_test_flawed', 'paypal-rest': 'flawed:secret' };
/** The fake gateway's key for postback providers: the flawed receivers ask a gateway started with it. */
const GATEWAY_KEY = 'checkers-gateway-key';

/**
 * A flawed receiver of one provider on loopback (with the fake gateway when the provider asks one), closed when the
 * test ends, and the gauntlet run against it: the whole run, or `only` some guarantees.
 */
export async function runAgainstFlaw(
  providerId: ProviderId,
  flaw: Flaw | 'none',
  options: {
    readonly only?: GuaranteeId[];
    readonly seed?: number;
    /** Fixes the run's ids, so the bytes sent (and what depends on them, a CRC's top bit) are the same every time. */
    readonly runId?: string;
    readonly receiver?: Partial<Pick<FlawedReceiverOptions, 'ackDelayMs' | 'handledEventTypes' | 'onDeath'>>;
    /** Registers the cleanup: vitest's global `onTestFinished`, or the test context's in a concurrent test. */
    readonly onFinished?: typeof onTestFinished;
  } = {},
): Promise<RunReport> {
  const provider = providers[providerId];
  const onFinished = options.onFinished ?? onTestFinished;
  const secret = provider.secret.generate(new Uint8Array(32).fill(7));
  const registered = provider.signsNotificationUrl ? `${REGISTERED_BASE}/webhooks/${provider.route}` : undefined;
  // Where the gateway lists its events (Stripe), it runs with the run's ledger and monitor, and the receiver
  // reconciles from it: consistency.reconciled is in every such run.
  const lists = listEndpoint(provider) !== undefined;
  const watch = lists ? { ledger: createGatewayLedger(), monitor: new GatewayMonitor() } : undefined;
  const asksGateway =
    provider.postback !== undefined ||
    provider.fetch !== undefined ||
    provider.certificateUrlHeader !== undefined ||
    lists;
  const gateway = asksGateway ? await startTestGateway(GATEWAY_KEY, [provider], watch) : undefined;
  if (gateway !== undefined) onFinished(gateway.close);
  const app = buildFlawedReceiver({
    provider: providerId,
    secret,
    flaw,
    ...(registered === undefined ? {} : { notificationUrl: registered }),
    ...(gateway === undefined ? {} : { gatewayUrl: gateway.url }),
    ...(gateway === undefined || !lists
      ? {}
      : {
          reconcile: { gatewayUrl: gateway.url, apiKey: reconcileKeys[providerId] ?? secret },
        }),
    ...options.receiver,
  });
  const base = await listenOnLoopback(app);
  onFinished(() => app.close());
  return gauntletAgainst(base, providerId, secret, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(registered === undefined ? {} : { notificationUrl: registered }),
    ...(gateway === undefined ? {} : { gatewayKey: GATEWAY_KEY }),
    ...(watch === undefined ? {} : { gateway: watch }),
  });
}

/** The failed guarantees of a run, each with the reason code of its first finding. */
export function failures(report: RunReport): Partial<Record<GuaranteeId, FindingReason>> {
  return Object.fromEntries(
    report.results.filter((v) => v.status === 'fail').map((v) => [v.guarantee, v.findings[0]?.reason ?? 'check.error']),
  );
}
