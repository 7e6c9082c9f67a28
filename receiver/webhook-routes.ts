import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { type Clock, unixSeconds } from '../contracts/clock.js';
import type { Provider } from '../contracts/provider.js';
import type { VerifyResult } from '../contracts/verification.js';
import { fromUtf8, type HeaderMap } from '../contracts/wire.js';
import type { ConfiguredProvider } from './secrets.js';
import type { ReceiverStorage } from './storage/storage.js';

export interface WebhookRoutesOptions {
  readonly configured: readonly ConfiguredProvider[];
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
  readonly bodyLimit: number;
  /** Called after a new event is stored, so the worker applies it soon. */
  readonly onStored: () => void;
}

/** A delivery's envelope, or why a correctly signed delivery cannot be stored as an event. */
type EnvelopeReading =
  | { readonly ok: true; readonly eventId: string }
  | { readonly ok: false; readonly reason: string; readonly eventId: string | null };

/**
 * `POST /webhooks/{route}` for each provider with a secret. Raw bytes → verify → validate → record, each a named step;
 * nothing is parsed before the signature holds. Every content type is read as raw bytes in this plugin only.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  const { storage, clock } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => {
    done(null, body);
  });

  for (const { provider, secret } of options.configured) {
    app.post(`/${provider.route}`, { bodyLimit: options.bodyLimit }, async (request, reply) => {
      const body = rawBody(request.body);
      const headers = request.headers;

      const verdict = verifyDelivery(provider, secret, body, headers, clock);
      if (!verdict.ok) {
        request.log.info({ provider: provider.id, reason: verdict.reason }, 'delivery rejected');
        return rejectSignature(reply, verdict);
      }

      const envelope = readEnvelope(provider, body, headers);
      const receivedAtMs = clock();
      if (!envelope.ok) {
        request.log.warn({ provider: provider.id, eventId: envelope.eventId }, 'signed delivery kept as a dead letter');
        await storage.recordDeadLetter({
          provider: provider.id,
          eventId: envelope.eventId,
          reason: envelope.reason,
          body,
          headers,
          receivedAtMs,
        });
        return reply.code(200).send({ received: true, deadLetter: true });
      }

      const { duplicate } = await storage.recordDelivery({
        provider: provider.id,
        eventId: envelope.eventId,
        body,
        headers,
        receivedAtMs,
      });
      if (!duplicate) options.onStored();
      return reply.code(200).send({ received: true, duplicate });
    });
  }
};

/** Step 1: the exact bytes received (an empty body arrives as nothing at all). */
function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** Step 2: the provider's signature check over those bytes, with its tolerance, against the injected clock. */
function verifyDelivery(provider: Provider, secret: string, body: Buffer, headers: HeaderMap, clock: Clock) {
  return provider.verify({ body, headers, secret, nowSeconds: unixSeconds(clock) });
}

function rejectSignature(reply: FastifyReply, verdict: Extract<VerifyResult, { ok: false }>) {
  return reply.code(400).send({ error: 'signature_rejected', reason: verdict.reason, message: verdict.message });
}

/** Step 3: only now parse, validate the envelope with the provider's schema and find the event id. */
function readEnvelope(provider: Provider, body: Buffer, headers: HeaderMap): EnvelopeReading {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(body));
  } catch (error) {
    return { ok: false, reason: `the body is not JSON (${String(error)})`, eventId: provider.eventId({}, headers) };
  }
  const parsed = provider.envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    const loose = typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
    return {
      ok: false,
      reason: `the envelope fails the ${provider.title} schema: ${issues}`,
      eventId: provider.eventId(loose as Record<string, unknown>, headers),
    };
  }
  const eventId = provider.eventId(parsed.data, headers);
  if (eventId === null) return { ok: false, reason: `no event id (${provider.eventIdSource})`, eventId: null };
  return { ok: true, eventId };
}
