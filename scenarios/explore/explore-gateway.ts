import type { Provider } from '../../contracts/provider.js';
import { createGatewayLedger, gatewayEndpoints } from '../../simulator/gateway/routes/index.js';
import { type RunningGateway, startGateway } from '../../simulator/gateway/server.js';

/** Whether a provider's receivers ask the gateway: its postback (PayPal IPN), its API (Mollie), its certificates (PayPal REST). */
export function asksGateway(provider: Provider): boolean {
  return provider.postback !== undefined || provider.fetch !== undefined || provider.certificateUrlHeader !== undefined;
}

/**
 * The fake gateway an explored receiver asks, started as `run` starts it: on the given port of 127.0.0.1, answering
 * postbacks for messages sealed with `key`, Mollie's payments only to the run's API key (the receiver's secret), and
 * PayPal's certificates. Stateless: every plan's ids carry what the gateway answers with. Null when the provider's
 * receivers ask nothing.
 */
export async function startExploreGateway(
  provider: Provider,
  options: { readonly key: string; readonly secret: string; readonly port: number },
): Promise<(RunningGateway & { readonly served: readonly string[] }) | null> {
  if (!asksGateway(provider)) return null;
  const gateway = await startGateway({
    key: options.key,
    providers: [provider],
    ledger: createGatewayLedger(),
    ...(provider.fetch === undefined ? {} : { apiKeys: [options.secret] }),
    port: options.port,
  });
  const served = gatewayEndpoints([provider]).map((e) => `${e.method} ${gateway.url}${e.path}`);
  return { ...gateway, served };
}
