import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import type { GatewayLedger } from '../../simulator/gateway/ledger.js';
import type { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { listenOnLoopback } from './listen.js';

/** The fake gateway's API on a free loopback port with this key; the caller closes it. */
export async function startTestGateway(
  key: string,
  served: readonly Provider[] = Object.values(providers),
  watch: { readonly ledger?: GatewayLedger; readonly monitor?: GatewayMonitor } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = buildGateway({ key, providers: served, ...watch });
  const url = await listenOnLoopback(app);
  return { url, close: () => app.close() };
}
