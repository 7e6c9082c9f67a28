import Fastify, { type FastifyInstance } from 'fastify';
import type { Provider } from '../../contracts/provider.js';

export interface GatewayOptions {
  /** The key the simulator marks the messages it sends with (see `gatewayKeyFromSeed`). */
  readonly key: string;
  /** The providers whose gateway APIs to serve; those with a `postback` get their postback path. */
  readonly providers: readonly Provider[];
  /** Largest postback accepted, bytes. */
  readonly bodyLimit?: number;
}

/**
 * The fake gateway's own HTTP API, as a fastify app that never listens (tests `inject()` it or listen it on loopback;
 * `startGateway` serves it). Today: PayPal's postback, `POST /cgi-bin/webscr` with `cmd=_notify-validate&<the IPN's
 * exact bytes>` → `VERIFIED` when the bytes are exactly a message the gateway sent (same fields, order and encoding),
 * else `INVALID`. Stateless: it recognises its messages by their mark, so any process with the key answers the same.
 * The Host header is ignored, so `ipnpb.paypal.com` and `ipnpb.sandbox.paypal.com` paths are answered alike.
 */
export function buildGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const served = options.providers.filter((p) => p.postback !== undefined);
  app.get('/', async () => ({
    gateway: 'ipn-gauntlet',
    postback: served.map((p) => ({ provider: p.id, method: 'POST', path: p.postback?.path })),
  }));

  for (const provider of served) {
    const postback = provider.postback;
    if (postback === undefined) continue;
    app.post(postback.path, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // PayPal's samples prefix the body with the command; a PayPal engineer also suggested the command in the URL
      // and the body unchanged (providers.md §2.2). Both are answered.
      const query = request.query as { cmd?: unknown };
      const original = query.cmd === '_notify-validate' ? body : postback.original(body);
      const genuine = original !== null && original.length > 0 && postback.sealed(original, options.key);
      return reply
        .code(200)
        .type('text/plain; charset=utf-8')
        .send(genuine ? postback.verified : postback.invalid);
    });
  }
  return app;
}
