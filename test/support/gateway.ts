import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { listenOnLoopback } from './listen.js';

/** The fake gateway's API on a free loopback port with this key; the caller closes it. */
export async function startTestGateway(
  key: string,
  served: readonly Provider[] = Object.values(providers),
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = buildGateway({ key, providers: served });
  const url = await listenOnLoopback(app);
  return { url, close: () => app.close() };
}
