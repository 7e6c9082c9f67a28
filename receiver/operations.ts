import type { FastifyError, FastifyInstance } from 'fastify';
import type { ReceiverMetrics } from './metrics.js';
import type { ReceiverStorage } from './storage/storage.js';
import { isStorageUnavailable } from './storage/storage-unavailable.js';

export interface OperationsOptions {
  readonly storage: Pick<ReceiverStorage, 'health'>;
  readonly metrics: ReceiverMetrics;
}

/** Fastify's error codes for bad requests, with the stable code and status this receiver answers them with. */
const requestErrors: Readonly<Record<string, { readonly status: number; readonly error: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'invalid_content_length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'empty_body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'invalid_json' },
};

/** What readiness answers when the database is down: a stable code and a message that names no address or path. */
const unready = {
  unreachable: 'the database cannot be read; the receiver is not taking deliveries.',
  unwritable: 'the database cannot be written; the receiver is not taking deliveries.',
} as const;

/**
 * Liveness and readiness, and one error shape for everything: `{ error, message }` with a stable code. Bad requests
 * are 4xx, a database that cannot be reached, written or locked in time is 503 (the gateway retries), anything else a
 * logged 500 that never leaks a stack. No answer names the database's address, file or driver error: those go to the
 * log, at warn. Installed on the root instance (not an encapsulated plugin) so the error handler covers every route.
 */
export function installOperations(app: FastifyInstance, { storage, metrics }: OperationsOptions): void {
  // Live while the process runs, whatever the database does: restarting the process would not bring it back.
  app.get('/health/live', async () => ({ status: 'live' }));
  app.get('/health/ready', async (request, reply) => {
    const health = await storage.health();
    if (health.ready) return { status: 'ready', inboxPending: health.inboxPending };
    request.log.warn({ problem: health.problem, detail: health.detail }, 'not ready: the database is unavailable');
    return reply.code(503).send({
      status: 'unavailable',
      error: 'storage_unavailable',
      code: 'IPN_ERR_STORAGE_UNAVAILABLE',
      problem: health.problem,
      message: unready[health.problem],
    });
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url}` }),
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const known = error.code === undefined ? undefined : requestErrors[error.code];
    const webhook = request.routeOptions.url?.startsWith('/webhooks/') === true;
    const provider = webhook ? (request.routeOptions.url?.split('/')[2] ?? 'unknown') : null;
    if (known !== undefined) return reply.code(known.status).send({ error: known.error, message: error.message });
    if (isStorageUnavailable(error)) {
      request.log.warn(
        { what: error.what, detail: error.detail },
        'database unavailable; answered 503 so the gateway retries',
      );
      if (provider !== null) metrics.delivery(provider, 'unavailable');
      return reply.code(503).send({ error: 'storage_unavailable', code: error.code, message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    if (provider !== null) metrics.delivery(provider, 'error');
    return reply.code(500).send({ error: 'internal_error', message: 'the receiver failed; see its log' });
  });
}
