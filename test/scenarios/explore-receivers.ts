import Fastify, { type FastifyInstance } from 'fastify';
import type { LifecycleFact } from '../../contracts/lifecycle.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { acceptRawBodies, readSignedEvent, serveProbe } from '../fixtures/fixture-parts.js';
import { OrderBook, soundRules } from '../fixtures/flawed-receiver/order-book.js';

/** Receivers written for explore's tests, beside the flawed receiver: a correct one held out, one with two bugs. */

/**
 * A correct receiver written apart from the lifecycle rule's own book-keeping, as issue 10's held-out one was: it
 * verifies the raw bytes, deduplicates on the event id and applies each event once, but reads a refund (Stripe's
 * `charge.refunded` carries the charge, paid) as proof of the payment it refunds, so a refund that arrives before its
 * payment already shows the order paid and refunded. On every complete set of an order's events it shows what the rule
 * says; on a set without the payment it shows more than the rule can know (the rule says `awaiting_payment`). A plan
 * that never delivers the payment judges a state the rule does not determine, and calls this receiver broken.
 */
export function buildInferringReceiver(options: { provider: ProviderId; secret: string }): FastifyInstance {
  const provider = providers[options.provider];
  const book = new OrderBook(soundRules);
  const seen = new Set<string>();
  const paidOrders = new Set<string>();
  const app = Fastify({ logger: false });
  acceptRawBodies(app);

  app.post(`/webhooks/${provider.route}`, async (request, reply) => {
    const read = readSignedEvent(provider, options.secret, request);
    if (!read.ok) return reply.code(400).send({ error: read.error });
    if (seen.has(read.eventId)) return reply.code(200).send({ received: true, duplicate: true });
    seen.add(read.eventId);
    const fact = read.fact;
    if (fact === null) return reply.code(200).send({ received: true, ignored: true });
    if (fact.kind === 'succeeded') paidOrders.add(fact.orderId);
    if (fact.kind === 'refunded' && !paidOrders.has(fact.orderId)) {
      paidOrders.add(fact.orderId);
      book.record(inferredPayment(fact));
    }
    book.record(fact);
    return reply.code(200).send({ received: true });
  });

  serveProbe(app, book);
  return app;
}

/** The payment a refund refunds, as the refund's charge describes it. */
function inferredPayment(refund: LifecycleFact): LifecycleFact {
  const { refund: _refund, ...payment } = refund;
  return { ...payment, eventId: `${refund.eventId}:charge`, kind: 'succeeded' };
}

/**
 * A receiver with two bugs that have nothing to do with each other, as real ones do: it never deduplicates (every copy
 * of a payment fulfills again, every copy of a refund refunds again) and, when the signature header is missing, skips
 * verification (fails open). Two root causes: `idem.sequential` and `auth.forged-rejected`.
 */
export function buildTwoBugReceiver(options: { provider: ProviderId; secret: string }): FastifyInstance {
  const provider = providers[options.provider];
  const book = new OrderBook({ ...soundRules, effectKey: 'inbox-row' });
  const app = Fastify({ logger: false });
  acceptRawBodies(app);

  app.post(`/webhooks/${provider.route}`, async (request, reply) => {
    const signed = provider.signatureHeaders.some((name) => request.headers[name] !== undefined);
    const fact = signed ? signedFact(provider, options.secret, request) : unsignedFact(provider, request.body);
    if (fact === 'refused') return reply.code(400).send({ error: 'invalid_event' });
    if (fact !== null) book.record(fact);
    return reply.code(200).send({ received: true });
  });

  serveProbe(app, book);
  return app;
}

function signedFact(
  provider: (typeof providers)[ProviderId],
  secret: string,
  request: Parameters<typeof readSignedEvent>[2],
): LifecycleFact | null | 'refused' {
  const read = readSignedEvent(provider, secret, request);
  return read.ok ? read.fact : 'refused';
}

function unsignedFact(provider: (typeof providers)[ProviderId], body: unknown): LifecycleFact | null | 'refused' {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(Buffer.isBuffer(body) ? body : new Uint8Array()));
  } catch {
    return 'refused';
  }
  const envelope = provider.envelopeSchema.safeParse(json);
  const eventId = envelope.success ? provider.eventId(envelope.data, {}) : null;
  const event = provider.eventSchema.safeParse(json);
  if (eventId === null || !event.success) return 'refused';
  return provider.toFact(event.data, eventId);
}
