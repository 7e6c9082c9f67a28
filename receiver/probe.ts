import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../contracts/clock.js';
import { formatMinor, parseDecimal } from '../contracts/money.js';
import {
  OrderIdSchema,
  type OrderView,
  PROBE_TOKEN_ENV,
  PutOrderBodySchema,
  probeAuthorization,
} from '../contracts/probe.js';
import { ListUnavailable, type ReconcileReport } from './reconcile.js';
import type { ReceiverStorage, StoredOrder } from './storage/storage.js';

export interface ProbeRoutesOptions {
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
  /** What every call must carry as `authorization: Bearer <token>`. */
  readonly token: string;
  /** One reconcile pass, for `POST /reconcile` (absent: the receiver reconciles nothing, and answers 404). */
  readonly reconcile?: {
    readonly providers: readonly string[];
    run(provider?: string): Promise<ReconcileReport[]>;
  };
}

/**
 * The probe contract (contracts/probe.ts), served at `/ipn-probe` only when enabled: the harness creates orders and
 * reads their state through it. Anyone who could call it could squat an order id at another amount or read any order,
 * so every call must present the token (compared in constant time); without it, a 401 that discloses nothing. Bad
 * input is a 4xx with a JSON body naming what is wrong.
 */
export const probeRoutes: FastifyPluginAsync<ProbeRoutesOptions> = async (app, options) => {
  const { storage, clock, token } = options;
  const expected = digest(probeAuthorization(token));
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers.authorization;
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="ipn-probe"')
      .send({
        error: 'probe_unauthorized',
        message: `the probe needs authorization: Bearer <token>, the token this receiver was started with (${PROBE_TOKEN_ENV})`,
      });
  });

  app.get('/health', async () => ({ status: 'ok', inboxPending: await storage.pendingCount() }));

  // One reconcile pass now (contracts/probe.ts): 200 with what it did, 503 when a gateway's list could not be read
  // (nothing of that pass was kept; ask again), 404 when this receiver reconciles nothing.
  // `?provider=ID` reads that provider's list only (404 when it is not reconciled here).
  app.post<{ Querystring: { provider?: string } }>('/reconcile', async (request, reply) => {
    const reconcile = options.reconcile;
    if (reconcile === undefined) {
      return reply.code(404).send({ error: 'reconcile_not_offered', message: 'no provider has reconcile.apiKeys' });
    }
    const provider = typeof request.query.provider === 'string' ? request.query.provider : undefined;
    if (provider !== undefined && !reconcile.providers.includes(provider)) {
      return reply.code(404).send({
        error: 'reconcile_not_offered',
        message: `${provider} is not reconciled here (reconciled: ${reconcile.providers.join(', ')}); set reconcile.apiKeys.${provider}`,
      });
    }
    try {
      return { reports: await reconcile.run(provider) };
    } catch (error) {
      if (!(error instanceof ListUnavailable)) throw error;
      return reply.code(503).send({ error: 'gateway_list_unavailable', message: error.message });
    }
  });

  app.put('/orders/:orderId', async (request, reply) => {
    const orderId = OrderIdSchema.safeParse((request.params as { orderId?: unknown }).orderId);
    if (!orderId.success) return invalid(reply, 'invalid_order_id', orderId.error);
    const body = PutOrderBodySchema.safeParse(request.body);
    if (!body.success) return invalid(reply, 'invalid_order', body.error);
    const { amount, currency } = body.data;
    const amountMinor = parseDecimal(amount, currency);
    if (amountMinor === null || amountMinor < 0) {
      return reply.code(400).send({
        error: 'invalid_order',
        message: `amount "${amount}" is not a non-negative amount in ${currency} (too many decimals?)`,
      });
    }

    const terms = { orderId: orderId.data, amountMinor, currency };
    const result = await storage.putOrder(terms, clock());
    if (result.outcome === 'conflict') {
      // Only the caller's own terms are repeated: even to a caller with the token, a conflict names no stored amount.
      return reply.code(409).send({
        error: 'order_conflict',
        message: `order ${orderId.data} exists with other terms than ${formatMinor(amountMinor, currency)} ${currency}; use a fresh order id`,
      });
    }
    const stored = await storage.getOrder(orderId.data);
    return reply.code(result.outcome === 'created' ? 201 : 200).send(stored === null ? {} : toView(stored));
  });

  app.get('/orders/:orderId', async (request, reply) => {
    const orderId = OrderIdSchema.safeParse((request.params as { orderId?: unknown }).orderId);
    if (!orderId.success) return invalid(reply, 'invalid_order_id', orderId.error);
    const stored = await storage.getOrder(orderId.data);
    if (stored === null) {
      return reply.code(404).send({ error: 'order_not_found', message: `no order ${orderId.data}; PUT it first` });
    }
    return toView(stored);
  });
};

/** Both sides hashed first, so the comparison takes the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function toView(order: StoredOrder): OrderView {
  const { currency } = order.terms;
  return {
    orderId: order.terms.orderId,
    status: order.status,
    amountPaid: formatMinor(order.amountPaidMinor, currency),
    amountRefunded: formatMinor(order.amountRefundedMinor, currency),
    currency,
    fulfillments: order.fulfillments,
    refunds: order.refunds,
  };
}

function invalid(reply: FastifyReply, error: string, zodError: z.ZodError) {
  const issues = zodError.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const message = issues.map((issue) => `${issue.path || 'body'}: ${issue.message}`).join('; ');
  return reply.code(400).send({ error, message, issues });
}
