import Fastify, { type FastifyInstance } from 'fastify';
import { pageHtml } from '../report/html.js';
import { formatSse, type LiveFeed } from './live-feed.js';

/** A page that stops reading is dropped once this much is queued for it; the browser reconnects and catches up. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** The names a page on this machine reaches the dashboard by; anything else in `Host` is another site's page. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a request's `Host` names this machine's loopback (any port): DNS rebinding sends the attacker's name. */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name);
}

/**
 * A page server on loopback: `GET /` is the page. Only pages that reached it by a loopback name are served (a page of
 * another site that rebinds its own name to 127.0.0.1 sends that name as `Host` and gets a 421). Never listens by
 * itself (see `startDashboard`, `startReportServer`).
 */
export function buildPageServer(page: string): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addHook('onRequest', async (request, reply) => {
    if (loopbackHost(request.headers.host)) return;
    return reply
      .code(421)
      .type('text/plain; charset=utf-8')
      .send('This page answers only to http://127.0.0.1 (or localhost) on this machine.');
  });
  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
  );
  return app;
}

/** The live dashboard: the report page in live mode, and `GET /events`, the feed as server-sent events. */
export function buildDashboard(feed: LiveFeed): FastifyInstance {
  const app = buildPageServer(pageHtml({ mode: 'live', reports: [] }));
  const streams = new Set<() => void>();

  app.get('/events', (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    raw.write('retry: 1000\n\n');
    const lastId = Number(request.headers['last-event-id'] ?? 0);
    let unsubscribe = () => {};
    const end = () => {
      unsubscribe();
      streams.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    streams.add(end);
    unsubscribe = feed.subscribe(
      (event) => {
        if (raw.writableEnded) return;
        if (raw.writableLength > MAX_QUEUED_BYTES) return end();
        raw.write(formatSse(event));
      },
      Number.isInteger(lastId) && lastId > 0 ? lastId : 0,
    );
    request.raw.on('close', end);
  });

  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  return app;
}
