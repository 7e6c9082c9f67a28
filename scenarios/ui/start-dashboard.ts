import type { FastifyInstance } from 'fastify';
import { IpnError } from '../../contracts/errors.js';
import { buildDashboard, buildPageServer } from './dashboard-app.js';
import type { LiveFeed } from './live-feed.js';

export interface RunningDashboard {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the dashboard on 127.0.0.1 (port 0: a free one) until closed. */
export function startDashboard(feed: LiveFeed, port: number): Promise<RunningDashboard> {
  return listenOnLoopback(buildDashboard(feed), port, '--ui-port');
}

/** Serves one finished page (`show-report --serve`) on 127.0.0.1 (port 0: a free one) until closed. */
export function startReportServer(page: string, port: number): Promise<RunningDashboard> {
  return listenOnLoopback(buildPageServer(page), port, '--port');
}

async function listenOnLoopback(app: FastifyInstance, port: number, flag: string): Promise<RunningDashboard> {
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new IpnError('IPN_ERR_USAGE', `the page cannot be served on 127.0.0.1:${port} (${reason}).`, {
      hint: `Pick another ${flag}, or 0 for a free one.`,
      cause: error,
    });
  }
  const address = app.server.address();
  const actual = address !== null && typeof address === 'object' ? address.port : port;
  return { url: `http://127.0.0.1:${actual}/`, close: () => app.close() };
}
