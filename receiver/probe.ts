import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../contracts/clock.js';
import { formatMinor, parseDecimal } from '../contracts/money.js';
import { OrderIdSchema, type OrderView, PutOrderBodySchema } from '../contracts/probe.js';
import type { ReceiverStorage, StoredOrder } from './storage/storage.js';

export interface ProbeRoutesOptions {
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
}

/**
 * The probe contract (contracts/probe.ts), served at `/ipn-probe`: the harness creates orders and reads their state
 * through it. Bad input is a 4xx with a JSON body naming what is wrong.
 */
export const probeRoutes: FastifyPluginAsync<ProbeRoutesOptions> = async (app, { storage, clock }) => {
  app.get('/health', async () => ({ status: 'ok', inboxPending: await storage.pendingCount() }));

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
      const { existing } = result;
      return reply.code(409).send({
        error: 'order_conflict',
        message: `order ${orderId.data} exists with ${formatMinor(existing.amountMinor, existing.currency)} ${existing.currency}`,
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
