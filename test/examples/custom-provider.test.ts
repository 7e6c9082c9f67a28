import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import {
  deriveOrderState,
  type LifecycleFact,
  type OrderTerms,
  type Provider,
  PutOrderBodySchema,
  parseDecimal,
  toOrderView,
} from '../../contracts/index.js';
import { acmePay } from '../../examples/custom-provider/acme-pay.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { listenOnLoopback } from '../support/listen.js';

/** A user's receiver for their own gateway, written from the public contracts only: verify, dedupe, derive. */
function receiverFor(provider: Provider, secret: string, options: { verify: boolean }): FastifyInstance {
  const app = Fastify();
  const orders = new Map<string, OrderTerms>();
  const facts = new Map<string, LifecycleFact>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(`/webhooks/${provider.route}`, async (req, reply) => {
    const body = req.body as Buffer;
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (options.verify && !provider.verify({ body, headers: req.headers, secret, nowSeconds }).ok) {
      return reply.code(400).send({ error: 'signature_rejected' });
    }
    // Past the signature, still parse defensively: garbage gets a 4xx, never a 500 the gateway would retry.
    const envelope = provider.envelopeSchema.safeParse(parseJson(body));
    const eventId = envelope.success ? provider.eventId(envelope.data, req.headers) : null;
    if (!envelope.success || eventId === null) return reply.code(400).send({ error: 'invalid_event' });
    const event = provider.eventSchema.safeParse(envelope.data);
    const fact = event.success ? provider.toFact(event.data, eventId) : null;
    if (fact !== null) facts.set(eventId, fact);
    return { received: true };
  });
  app.put<{ Params: { id: string } }>('/ipn-probe/orders/:id', async (req) => {
    const terms = PutOrderBodySchema.parse(parseJson(req.body as Buffer));
    orders.set(req.params.id, {
      orderId: req.params.id,
      currency: terms.currency,
      amountMinor: parseDecimal(terms.amount, terms.currency) ?? 0,
    });
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

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function gauntlet(verify: boolean) {
  const secret = acmePay.secret.generate(new Uint8Array(16).fill(5));
  const app = receiverFor(acmePay, secret, { verify });
  apps.push(app);
  const base = await listenOnLoopback(app);
  return runGauntlet({
    target: `${base}/webhooks/acme`,
    probe: `${base}/ipn-probe`,
    provider: acmePay,
    secret,
    seed: 3,
    runId: verify ? 'acmeok' : 'acmebad',
    replayCommand: (g) => g,
  });
}

test('a gateway defined with defineProvider runs through every applicable scenario', async () => {
  const report = await gauntlet(true);
  expect(report.results.map((r) => [r.guarantee, r.status])).toEqual(report.results.map((r) => [r.guarantee, 'pass']));
  expect(report.results.map((r) => r.guarantee)).toContain('auth.replay-window');
  expect(report.results.map((r) => r.guarantee)).not.toContain('compat.rotation');
});

test("the custom provider's forgeries catch a receiver that does not verify", async () => {
  const report = await gauntlet(false);
  expect(report.results.find((r) => r.guarantee === 'auth.forged-rejected')?.status).toBe('fail');
});
