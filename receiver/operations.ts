import type { FastifyError, FastifyInstance } from 'fastify';
import type { ReceiverMetrics } from './metrics.js';
import type { ReceiverStorage } from './storage/storage.js';
import { isStorageUnavailable } from './storage/storage-unavailable.js';

export interface OperationsOptions {
  readonly storage: Pick<ReceiverStorage, 'pendingCount'>;
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

/**
 * Liveness and readiness, and one error shape for everything: `{ error, message }` with a stable code. Bad requests
 * are 4xx, an unreachable database is 503 (the gateway retries), anything else a logged 500 that never leaks a stack.
 * Installed on the root instance (not an encapsulated plugin) so the error handler covers every route.
 */
export function installOperations(app: FastifyInstance, { storage, metrics }: OperationsOptions): void {
  app.get('/health/live', async () => ({ status: 'live' }));
  app.get('/health/ready', async (_request, reply) => {
    try {
      return { status: 'ready', inboxPending: await storage.pendingCount() };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: String(error) });
    }
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
      request.log.warn({ err: error }, 'database unavailable; answered 503 so the gateway retries');
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
