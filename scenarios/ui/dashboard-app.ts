import Fastify, { type FastifyInstance } from 'fastify';
import { pageHtml } from '../report/html.js';
import { formatSse, type LiveFeed } from './live-feed.js';

/** A page that stops reading is dropped once this much is queued for it; the browser reconnects and catches up. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * The live dashboard: `GET /` is the report page in live mode, `GET /events` streams the feed as server-sent events.
 * Never listens by itself (see `startDashboard`).
 */
export function buildDashboard(feed: LiveFeed): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const streams = new Set<() => void>();
  const page = pageHtml({ mode: 'live', reports: [] });

  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
  );

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
