/**
 * A Stripe webhook receiver of the kind a team writes: the official `stripe` library verifies the raw bytes, events are
 * kept once per event id (Stripe delivers at least once), and the order state follows from the events kept. It serves
 * the probe contract (`/ipn-probe`) so ipn-gauntlet can read what it did. Everything from ipn-gauntlet is imported by
 * package name, as in a project that installed it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { providers } from 'ipn-gauntlet';
import {
  deriveOrderState,
  type LifecycleFact,
  type OrderTerms,
  PutOrderBodySchema,
  parseDecimal,
  toOrderView,
} from 'ipn-gauntlet/contracts';
import Stripe from 'stripe';

export interface UserReceiverOptions {
  /** The endpoint secret (`whsec_…`) Stripe shows for this endpoint. */
  readonly secret: string;
  /** A planted mistake, to see the gauntlet catch it: trusting the payload without checking its signature. */
  readonly flaw?: 'skips-signature-check';
}

const stripe = new Stripe('sk_test_user_receiver_example');

export function buildUserReceiver(options: UserReceiverOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: 256 * 1024 });
  const orders = new Map<string, OrderTerms>();
  /** Every event applied, by Stripe's event id: a redelivery of the same id is a no-op. */
  const facts = new Map<string, LifecycleFact>();

  // The signature covers the exact bytes: keep them, parse nothing before verifying.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/webhooks/stripe', async (req, reply) => {
    const body = req.body as Buffer;
    const signature = req.headers['stripe-signature'];
    let event: unknown;
    try {
      event =
        options.flaw === 'skips-signature-check'
          ? JSON.parse(body.toString('utf8'))
          : stripe.webhooks.constructEvent(body, typeof signature === 'string' ? signature : '', options.secret);
    } catch {
      return reply.code(400).send({ error: 'invalid_signature_or_body' });
    }
    const parsed = providers.stripe.eventSchema.safeParse(event);
    if (!parsed.success) return reply.code(200).send({ received: true, ignored: true });
    const eventId = (event as { id: string }).id;
    if (!facts.has(eventId)) {
      const fact = providers.stripe.toFact(parsed.data, eventId);
      if (fact !== null) facts.set(eventId, fact);
    }
    return { received: true };
  });

  app.put<{ Params: { id: string } }>('/ipn-probe/orders/:id', async (req, reply) => {
    const terms = PutOrderBodySchema.safeParse(jsonOf(req.body as Buffer));
    const amountMinor = terms.success ? parseDecimal(terms.data.amount, terms.data.currency) : null;
    if (!terms.success || amountMinor === null) return reply.code(400).send({ error: 'invalid_order' });
    orders.set(req.params.id, { orderId: req.params.id, currency: terms.data.currency, amountMinor });
    return {};
  });
  app.get<{ Params: { id: string } }>('/ipn-probe/orders/:id', async (req, reply) => {
    const terms = orders.get(req.params.id);
    if (terms === undefined) return reply.code(404).send({});
    return toOrderView(deriveOrderState(terms, [...facts.values()]));
  });
  app.get('/ipn-probe/health', async () => ({ status: 'ok', inboxPending: 0 }));
  return app;
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
