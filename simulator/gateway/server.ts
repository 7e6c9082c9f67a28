import { IpnError } from '../../contracts/errors.js';
import { buildGateway, type GatewayOptions } from './app.js';

export interface StartGatewayOptions extends GatewayOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

export interface RunningGateway {
  /** The base URL a receiver is configured with, e.g. `http://127.0.0.1:41234` (postback at `{url}/cgi-bin/webscr`). */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the fake gateway's API server and listens: the only module of the gateway that opens a socket. */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { port = 0, host = '127.0.0.1', ...gatewayOptions } = options;
  const app = buildGateway(gatewayOptions);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new IpnError(
        'IPN_ERR_PORT_IN_USE',
        `the fake gateway cannot listen on ${host}:${port}: something already does (an \`ipn-gauntlet gateway\` or another run?).`,
        {
          hint: `Stop it (\`run\` starts the gateway itself), or pass another port (--gateway-port / --port; 0 picks a free one) and point your receiver at the URL printed at start.`,
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address : { address: host, port };
  const hostname = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return { url: `http://${hostname}:${bound.port}`, close: () => app.close() };
}
