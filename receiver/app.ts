import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { systemClock } from '../contracts/clock.js';
import { gatewayUrlFor } from './gateway-urls.js';
import { createReceiverMetrics, metricsRoute } from './metrics.js';
import { installOperations } from './operations.js';
import { type ReceiverOptions, type ResolvedReceiverOptions, resolveReceiverOptions } from './options.js';
import { projectOrder } from './order-projection.js';
import { requireGatewayUrl } from './postback.js';
import { probeRoutes } from './probe.js';
import type { ReconcileReport } from './reconcile.js';
import { createReconciliation } from './reconciliation.js';
import { configuredProviders } from './secrets.js';
import { openStorage } from './storage/open-storage.js';
import { webhookRoutes } from './webhook-routes.js';
import { createInboxWorker } from './worker.js';

export type { ReceiverOptions } from './options.js';
export { type ReceiverSecrets, secretEnvVars, secretsFromEnv } from './secrets.js';

/** The receiver's inbox, for tests and tools: wait until every stored event is applied. */
export interface InboxControl {
  /** Applies pending inbox rows until none is left. */
  drain(): Promise<void>;
  /** Inbox rows stored but not yet applied (or dead-lettered). */
  pending(): Promise<number>;
}

declare module 'fastify' {
  interface FastifyInstance {
    inbox: InboxControl;
    /**
     * One reconcile pass over the gateways' event lists (`reconcile` option), or only `provider`'s; [] when nothing
     * is reconciled.
     */
    reconcile(provider?: string): Promise<ReconcileReport[]>;
  }
}

/**
 * The reference receiver as a fastify instance that never listens (use `inject()`, or `startReceiver` to serve it).
 * Misconfiguration throws here, before anything is opened: no secret, a secret in the wrong format, bad options.
 */
export async function buildReceiver(options: ReceiverOptions): Promise<FastifyInstance> {
  const resolved = resolveReceiverOptions(options);
  const configured = configuredProviders(resolved.secrets);
  requireGatewayUrl(
    configured.map((c) => c.provider),
    (id) => gatewayUrlFor(id, resolved),
  );
  const clock = resolved.clock ?? systemClock;

  const opened = await openStorage(
    resolved.databaseUrl === undefined
      ? { dbFile: resolved.dbFile ?? '' }
      : { databaseUrl: resolved.databaseUrl, schema: resolved.schema },
    projectOrder,
  );
  const storage = resolved.wrapStorage?.(opened) ?? opened;
  try {
    const app = Fastify(serverOptions(resolved));
    refuseOversizeBodies(app, resolved.bodyLimit);
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    });
    const metrics = createReceiverMetrics(storage);
    installOperations(app, { storage, metrics });
    const worker = createInboxWorker({
      onApplied: metrics.processed,
      storage,
      clock,
      log: app.log,
      pollIntervalMs: resolved.pollIntervalMs,
      maxAttempts: resolved.maxAttempts,
      leaseMs: resolved.leaseMs,
      retryBackoffMs: resolved.retryBackoffMs,
      drainTimeoutMs: resolved.drainTimeoutMs,
    });

    const reconciliation = createReconciliation({
      options: resolved,
      configured,
      storage,
      clock,
      log: app.log,
      onStored: worker.kick,
    });

    app.decorate('inbox', { drain: worker.drain, pending: worker.pending } satisfies InboxControl);
    app.decorate('reconcile', reconciliation.run);
    app.addHook('onReady', async () => {
      worker.start();
      reconciliation.start();
    });
    app.addHook('onClose', async () => {
      await reconciliation.stop();
      await worker.stop();
      await storage.close();
    });

    await app.register(webhookRoutes, {
      prefix: '/webhooks',
      configured,
      storage,
      clock,
      bodyLimit: resolved.bodyLimit,
      onStored: worker.kick,
      gatewayUrl: resolved.gatewayUrl,
      gateways: resolved.gateways,
      publicUrl: resolved.publicUrl,
      metrics,
    });
    if (resolved.probe !== undefined) {
      await app.register(probeRoutes, {
        prefix: '/ipn-probe',
        storage,
        clock,
        token: resolved.probe.token,
        ...(reconciliation.providers.length === 0 ? {} : { reconcile: reconciliation }),
      });
    }
    await app.register(metricsRoute, { metrics, token: resolved.metrics?.token });
    return app;
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/**
 * Fastify's and Node's settings from the options: the body limit and every timeout. Node looks for connections past
 * their headers or request timeout every `connectionsCheckingInterval` (30 s by default, which would let a stalled
 * client outlive its timeout by as much again): here a quarter of the headers timeout, at most a second.
 */
function serverOptions(options: ResolvedReceiverOptions) {
  const checkEveryMs = Math.max(10, Math.min(1_000, Math.floor(options.headersTimeoutMs / 4)));
  return {
    logger: options.logger ?? false,
    // One log line per request (the hook in buildReceiver), not fastify's two ("incoming request", "request completed").
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    http: {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: checkEveryMs,
    },
  };
}

/** An upload declared up to this many times `bodyLimit` is read to its end, and thrown away, before its 413. */
const OVERSIZE_DRAIN_FACTOR = 64;

/**
 * A body whose content-length is over `bodyLimit` is refused from that header, before any of it is buffered. Fastify
 * would answer while the client is still writing and close the connection: the client's writes then meet a closed
 * socket (EPIPE, or ECONNRESET once the unread bytes reset it) and it may never read the answer. Here the rest of the
 * body is read and discarded first — bounded in time by `requestTimeoutMs`, in bytes by the declared length, at most
 * OVERSIZE_DRAIN_FACTOR × `bodyLimit` — and the 413 then leaves on a connection in a clean state (kept alive unless
 * the client asked to close). A larger declared body is answered at once and the connection closed.
 */
function refuseOversizeBodies(app: FastifyInstance, bodyLimit: number): void {
  app.addHook('onRequest', async (request, reply) => {
    const declared = Number(request.headers['content-length']);
    if (!(declared > bodyLimit)) return;
    request.log.info({ declared, bodyLimit }, 'body over the limit: read to its end and thrown away, then 413');
    const answer = {
      error: 'body_too_large',
      message: `the body is ${declared} bytes and this receiver takes at most ${bodyLimit} (bodyLimit)`,
    };
    if (declared > bodyLimit * OVERSIZE_DRAIN_FACTOR) return reply.code(413).header('connection', 'close').send(answer);
    await discardBody(request.raw);
    return reply.code(413).send(answer);
  });
}

/** Reads a request body to its end without keeping it; settles too when the connection closes first. */
function discardBody(raw: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (raw.readableEnded || raw.destroyed) return resolve();
    raw.once('end', resolve);
    raw.once('close', resolve);
    raw.resume();
  });
}
