import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock } from '../contracts/clock.js';
import { gatewayUrlFor } from './gateway-urls.js';
import { createReceiverMetrics, metricsRoute } from './metrics.js';
import { installOperations } from './operations.js';
import { type ReceiverOptions, resolveReceiverOptions } from './options.js';
import { projectOrder } from './order-projection.js';
import { requireGatewayUrl } from './postback.js';
import { probeRoutes } from './probe.js';
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
    const app = Fastify({ logger: resolved.logger ?? false, bodyLimit: resolved.bodyLimit });
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

    app.decorate('inbox', { drain: worker.drain, pending: worker.pending } satisfies InboxControl);
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', async () => {
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
      await app.register(probeRoutes, { prefix: '/ipn-probe', storage, clock, token: resolved.probe.token });
    }
    await app.register(metricsRoute, { metrics });
    return app;
  } catch (error) {
    await storage.close();
    throw error;
  }
}
