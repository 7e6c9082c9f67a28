import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, unixSeconds } from '../contracts/clock.js';
import { decodeBody } from '../contracts/decode.js';
import type { Provider } from '../contracts/provider.js';
import type { VerifyResult } from '../contracts/verification.js';
import { fromUtf8, type HeaderMap } from '../contracts/wire.js';
import { fetchObject } from './fetch-object.js';
import { type Gateways, gatewayUrlFor } from './gateway-urls.js';
import type { ReceiverMetrics } from './metrics.js';
import { PaypalCertificates } from './paypal-certificates.js';
import { askGateway } from './postback.js';
import type { ConfiguredProvider } from './secrets.js';
import { eventIdProblem } from './storage/storable-text.js';
import type { ReceiverStorage } from './storage/storage.js';

export interface WebhookRoutesOptions {
  readonly configured: readonly ConfiguredProvider[];
  readonly storage: ReceiverStorage;
  readonly clock: Clock;
  readonly bodyLimit: number;
  /** Called after a new event is stored, so the worker applies it soon. */
  readonly onStored: () => void;
  /** The gateway's base URL, for providers whose deliveries are verified by asking it (PayPal IPN's postback). */
  readonly gatewayUrl?: string | undefined;
  /** A gateway per provider, overriding `gatewayUrl` (`gatewayUrlFor`). */
  readonly gateways?: Gateways | undefined;
  /** The base URL the gateway reaches the receiver at, for schemes that sign the notification URL (Square). */
  readonly publicUrl?: string | undefined;
  readonly metrics: ReceiverMetrics;
}

/** A delivery's envelope, or why a correctly signed delivery cannot be stored as an event. */
export type EnvelopeReading =
  | { readonly ok: true; readonly eventId: string; readonly envelope: { readonly [key: string]: unknown } }
  | { readonly ok: false; readonly reason: string; readonly eventId: string | null };

/**
 * `POST /webhooks/{route}` for each provider with a secret. Raw bytes → verify → validate → record, each a named step;
 * nothing is parsed before the signature holds. Every content type is read as raw bytes in this plugin only.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  const { storage, clock, metrics } = options;
  // Certificates that deliveries point at (PayPal REST), fetched only from allowed hosts and cached for all routes.
  const certificateGateway = gatewayUrlFor('paypal-rest', options);
  const certificates = new PaypalCertificates(certificateGateway ? { gatewayUrl: certificateGateway } : {});
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_request, body, done) => {
    done(null, body);
  });

  for (const { provider, secret } of options.configured) {
    if (provider.challenge !== undefined) app.get(`/${provider.route}`, challengeRoute(provider.challenge, secret));
    const notificationUrl = notificationUrlOf(provider, app.prefix, options.publicUrl);
    app.post(`/${provider.route}`, { bodyLimit: options.bodyLimit }, async (request, reply) => {
      const body = rawBody(request.body);
      const headers = request.headers;

      const mediaTypeProblem = unsupportedMediaType(provider, headers['content-type']);
      if (mediaTypeProblem !== null) {
        metrics.delivery(provider.id, 'rejected');
        return reply.code(415).send({ error: 'unsupported_media_type', message: mediaTypeProblem });
      }

      // Step 2a, certificate schemes (PayPal REST): the certificate the delivery names, only from an allowed host.
      let certificate: string | undefined;
      const certUrl = provider.certificateUrlHeader === undefined ? undefined : headers[provider.certificateUrlHeader];
      if (typeof certUrl === 'string' && certUrl !== '') {
        const answer = await certificates.get(certUrl);
        if (answer.kind === 'unreachable') {
          request.log.warn(
            { provider: provider.id, reason: answer.reason },
            'certificate fetch failed; will be resent',
          );
          metrics.delivery(provider.id, 'unavailable');
          return reply.code(503).send({ error: 'certificate_unreachable', message: answer.reason });
        }
        if (answer.kind === 'refused') {
          request.log.info({ provider: provider.id, reason: answer.reason }, 'delivery rejected: certificate refused');
          metrics.verificationFailure(provider.id, 'certificate_refused');
          metrics.delivery(provider.id, 'rejected');
          return reply
            .code(400)
            .send({ error: 'signature_rejected', reason: 'certificate_refused', message: answer.reason });
        }
        certificate = answer.pem;
      }

      const verdict = verifyDelivery(provider, secret, body, headers, clock, notificationUrl, certificate);
      if (!verdict.ok) {
        request.log.info({ provider: provider.id, reason: verdict.reason }, 'delivery rejected');
        metrics.verificationFailure(provider.id, verdict.reason);
        metrics.delivery(provider.id, 'rejected');
        return rejectSignature(reply, verdict);
      }

      // A challenge's answer (X's CRC) is the POST signature of a body equal to its token, and anyone may ask for it:
      // a verified body that is such a token proves nothing and is never an event. Refused, and nothing is stored.
      if (provider.challenge !== undefined && provider.challenge.tokenProblem(fromUtf8(body)) === null) {
        request.log.info({ provider: provider.id }, 'delivery rejected: the body is a challenge token');
        metrics.verificationFailure(provider.id, 'challenge_token_body');
        metrics.delivery(provider.id, 'rejected');
        return reply.code(400).send({
          error: 'challenge_token_body',
          message: `the body is a ${provider.challenge.query} this endpoint answers, so its signature proves nothing; ${provider.title} never sends one as an event`,
        });
      }

      // Step 2b, postback providers (PayPal IPN): the gateway says whether it sent exactly these bytes.
      if (provider.postback !== undefined) {
        const answer = await askGateway(provider.postback, body, {
          gatewayUrl: gatewayUrlFor(provider.id, options) ?? '',
        });
        if (answer.kind === 'unreachable') {
          request.log.warn(
            { provider: provider.id, reason: answer.reason },
            'postback failed; the gateway will resend',
          );
          metrics.delivery(provider.id, 'unavailable');
          return reply.code(503).send({ error: 'gateway_unreachable', message: answer.reason });
        }
        if (answer.kind === 'invalid') {
          request.log.info({ provider: provider.id, answer: answer.answer }, 'delivery rejected by the postback');
          metrics.verificationFailure(provider.id, 'postback_invalid');
          metrics.delivery(provider.id, 'rejected');
          return reply.code(400).send({ error: 'postback_invalid', message: `the gateway answered ${answer.answer}` });
        }
      }

      // Step 2c, fetch providers (Mollie): the delivery only names an object; what the gateway answers for it is the
      // event, and nothing else the delivery says (posted status or amount) is read.
      let event: Buffer = body;
      if (provider.fetch !== undefined) {
        const id = provider.fetch.idOf(body) ?? '';
        const gatewayUrl = gatewayUrlFor(provider.id, options) ?? '';
        const fetched = await fetchObject(provider.fetch, id, secret, { gatewayUrl });
        if (fetched.kind === 'unreachable') {
          request.log.warn({ provider: provider.id, reason: fetched.reason }, 'fetch failed; the gateway will resend');
          metrics.delivery(provider.id, 'unavailable');
          return reply.code(503).send({ error: 'gateway_unreachable', message: fetched.reason });
        }
        if (fetched.kind === 'unknown') {
          // Mollie's advice: answer 200 to an id nobody issued, so a prober learns nothing about which ids exist.
          request.log.info({ provider: provider.id, status: fetched.status }, 'delivery names no known object');
          metrics.verificationFailure(provider.id, 'unknown_object');
          metrics.delivery(provider.id, 'rejected');
          return acknowledge(reply, provider, { received: true });
        }
        event = Buffer.from(fetched.body);
      }

      // A batch (Adyen) verified as a whole; each of its events is stored on its own, under its own identity.
      const parts = provider.split?.(event) ?? [event];
      const receivedAtMs = clock();
      let duplicates = 0;
      let deadLetters = 0;
      for (const part of parts) {
        const bytes = Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        const envelope = readEnvelope(provider, bytes, provider.fetch === undefined ? headers : {}, secret);
        if (!envelope.ok) {
          request.log.warn(
            { provider: provider.id, eventId: envelope.eventId },
            'signed delivery kept as a dead letter',
          );
          await storage.recordDeadLetter({
            provider: provider.id,
            eventId: envelope.eventId,
            reason: envelope.reason,
            body: part,
            headers,
            receivedAtMs,
          });
          metrics.delivery(provider.id, 'dead_letter');
          deadLetters += 1;
          continue;
        }
        const { duplicate } = await storage.recordDelivery({
          provider: provider.id,
          eventId: envelope.eventId,
          body: part,
          headers,
          receivedAtMs,
        });
        if (!duplicate) options.onStored();
        metrics.delivery(provider.id, duplicate ? 'duplicate' : 'accepted');
        if (duplicate) duplicates += 1;
      }
      if (parts.length === 1) {
        return acknowledge(
          reply,
          provider,
          deadLetters === 1 ? { received: true, deadLetter: true } : { received: true, duplicate: duplicates === 1 },
        );
      }
      return acknowledge(reply, provider, { received: true, events: parts.length, duplicates, deadLetters });
    });
  }
};

/**
 * `GET /webhooks/{route}?{query}=<token>` for gateways that challenge the endpoint (X's CRC): the HMAC of the token
 * under the delivery secret, but only for a token the gateway could have sent. The answer is a valid POST signature
 * for a body equal to the token, so signing anything else (an event body) would sign forgeries.
 */
function challengeRoute(challenge: NonNullable<Provider['challenge']>, secret: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const token = query[challenge.query];
    if (typeof token !== 'string' || token === '') {
      return reply.code(400).send({ error: 'challenge_missing', message: `no ${challenge.query} query parameter` });
    }
    const problem = challenge.tokenProblem(token);
    if (problem !== null) {
      request.log.warn({ length: token.length }, 'challenge refused: not a token the gateway sends');
      return reply.code(400).send({ error: 'challenge_refused', message: problem });
    }
    return reply.code(200).send(challenge.respond(token, secret));
  };
}

/**
 * The gateway always sends its own media type; parameters (`charset`) and letter case may vary, the type may not.
 * Null when the request's is fine (or the provider names none).
 */
function unsupportedMediaType(provider: Provider, received: string | undefined): string | null {
  const expected = provider.baseHeaders['content-type'];
  if (expected === undefined) return null;
  const mediaType = (value: string) => (value.split(';')[0] ?? '').trim().toLowerCase();
  if (received !== undefined && mediaType(received) === mediaType(expected)) return null;
  return `${provider.title} sends ${mediaType(expected)}, not ${received === undefined ? 'no content type' : mediaType(received)}`;
}

/** Step 1: the exact bytes received (an empty body arrives as nothing at all). */
function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/**
 * The URL a URL-signing provider's deliveries are verified with: where the gateway was told to send them,
 * `{publicUrl}{prefix}/{route}` (start-up refuses such a provider without a publicUrl). The request's own URL would not
 * do: behind a proxy it has another scheme, host or path.
 */
function notificationUrlOf(provider: Provider, prefix: string, publicUrl: string | undefined): string | undefined {
  if (provider.signsNotificationUrl !== true || publicUrl === undefined) return undefined;
  return `${publicUrl}${prefix}/${provider.route}`;
}

/** Step 2: the provider's signature check over those bytes, with its tolerance, against the injected clock. */
function verifyDelivery(
  provider: Provider,
  secret: string,
  body: Buffer,
  headers: HeaderMap,
  clock: Clock,
  notificationUrl: string | undefined,
  certificate: string | undefined,
) {
  return provider.verify({
    body,
    headers,
    secret,
    nowSeconds: unixSeconds(clock),
    ...(notificationUrl === undefined ? {} : { notificationUrl }),
    ...(certificate === undefined ? {} : { certificate }),
  });
}

/** A 200 in the body the gateway expects (Adyen: `[accepted]`), else a small JSON summary. */
function acknowledge(reply: FastifyReply, provider: Provider, summary: Readonly<Record<string, boolean | number>>) {
  const ack = provider.acknowledgement;
  if (ack === undefined) return reply.code(200).send(summary);
  return reply.code(200).header('content-type', ack.contentType).send(ack.body);
}

function rejectSignature(reply: FastifyReply, verdict: Extract<VerifyResult, { ok: false }>) {
  return reply.code(400).send({ error: 'signature_rejected', reason: verdict.reason, message: verdict.message });
}

/**
 * Step 3: only now parse (`decodeBody`: JSON, or the provider's own format), validate the envelope with the provider's
 * schema and find the event id. Where the secret is the merchant's account (PayPal receiver_email), an event paying
 * another account is genuine but not ours: kept as a dead letter, never applied.
 */
export function readEnvelope(provider: Provider, body: Buffer, headers: HeaderMap, secret: string): EnvelopeReading {
  const decoded = decodeBody(provider, body, headers);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, eventId: provider.eventId({}, headers) };
  const json = decoded.value;
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
  // An id no inbox key can hold (U+0000, a lone surrogate, too long) is kept as a dead letter on both backends.
  const unstorable = eventIdProblem(eventId);
  if (unstorable !== null) return { ok: false, reason: unstorable, eventId };
  const payee = provider.payeeOf?.(parsed.data);
  if (payee !== undefined && payee?.toLowerCase() !== secret.toLowerCase()) {
    return { ok: false, reason: `paid to ${payee ?? 'no account'}, not to this merchant's account`, eventId };
  }
  return { ok: true, eventId, envelope: parsed.data };
}
