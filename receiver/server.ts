import type { FastifyInstance } from 'fastify';
import { buildReceiver, type ReceiverOptions } from './app.js';

export interface StartReceiverOptions extends ReceiverOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningReceiver {
  /** The base URL, e.g. `http://127.0.0.1:43117`; webhooks at `{url}/webhooks/{route}`, the probe at `{url}/ipn-probe`. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the receiver and listens: the only module that opens a socket. */
export async function startReceiver(options: StartReceiverOptions): Promise<RunningReceiver> {
  const { port = 0, host = '127.0.0.1', ...receiverOptions } = options;
  const app = await buildReceiver(receiverOptions);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address : { address: host, port };
  const hostname = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${hostname}:${bound.port}`,
    app,
    close: () => app.close(),
  };
}
