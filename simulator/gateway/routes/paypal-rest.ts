import { createHash } from 'node:crypto';
import { z } from 'zod';
import { unixSeconds } from '../../../contracts/clock.js';
import type { Provider } from '../../../contracts/provider.js';
import {
  PAYPAL_CERT_HOSTS,
  PAYPAL_REST_CERT_NAME,
  PAYPAL_REST_HEADERS,
  verifyPaypalRest,
} from '../../../contracts/providers/paypal-rest.js';
import { GATEWAY_CERTIFICATE_PEM } from '../../../contracts/providers/paypal-rest-certificates.js';
import { fromUtf8, utf8 } from '../../../contracts/wire.js';
import { type GatewayAnswer, type GatewayEndpoint, type GatewayRoutes, jsonAnswer, textAnswer } from '../endpoint.js';
import type { LedgerRecorder } from '../ledger.js';

const certOrigins = PAYPAL_CERT_HOSTS.map((host) => `https://${host}`);
const apiOrigins = ['https://api-m.paypal.com', 'https://api-m.sandbox.paypal.com'];

/** `POST /v1/notifications/verify-webhook-signature`'s body (docs/providers.md §3.2). */
const VerifyWebhookSignatureSchema = z.object({
  auth_algo: z.string(),
  cert_url: z.string(),
  transmission_id: z.string(),
  transmission_sig: z.string(),
  transmission_time: z.string(),
  webhook_id: z.string(),
  webhook_event: z.record(z.string(), z.unknown()),
});

/**
 * PayPal REST's certificate and verification API, when the gateway serves PayPal REST:
 * - `GET /certs/:name` and `GET /v1/notifications/certs/:name` (PayPal's path): the gateway's certificate as PEM;
 * - `POST /v1/notifications/verify-webhook-signature` (bearer token required) → `{"verification_status":"SUCCESS"}`
 *   when the signature holds for `webhook_event` serialized compactly (as the gateway sent it; an event re-serialized
 *   otherwise fails, as at PayPal) with the gateway's own certificate, else `FAILURE`. A `cert_url` naming another
 *   certificate or a host that is not PayPal's (or this gateway's) is a FAILURE: the gateway trusts only itself.
 */
export const paypalRestRoutes: GatewayRoutes = (providers: readonly Provider[]) =>
  providers.some((p) => p.id === 'paypal-rest')
    ? [
        certificate('/certs/:name'),
        certificate('/v1/notifications/certs/:name'),
        verifyWebhookSignature,
        oauthToken,
        listWebhookEvents,
      ]
    : [];

const EVENT = 'paypal-rest.event';

/** Keeps each PayPal REST event by id, the first copy recorded (a reformatted resend keeps the original). */
export const recordPaypalRestEvent: LedgerRecorder = (body, store) => {
  const event = parseJson(body);
  if (typeof event !== 'object' || event === null) return;
  const { id, create_time: created } = event as { id?: unknown; create_time?: unknown };
  if (typeof id !== 'string' || !id.startsWith('WH-') || typeof created !== 'string') return;
  if (store.get(EVENT, id) === undefined) store.put(EVENT, id, event);
};

/**
 * `POST /v1/oauth2/token` (client credentials, HTTP Basic `client_id:secret`): an access token for the gateway's
 * other calls, in PayPal's answer shape. Any client id and secret are accepted; the token is not checked afterwards
 * beyond its Bearer form (as the verification endpoint does).
 */
const oauthToken: GatewayEndpoint = {
  method: 'POST',
  path: '/v1/oauth2/token',
  origins: apiOrigins,
  name: 'paypal-rest oauth2 token',
  answer(request) {
    const basic = /^Basic (\S+)$/.exec(request.header('authorization') ?? '')?.[1];
    const credentials = basic === undefined ? '' : Buffer.from(basic, 'base64').toString('utf8');
    if (!/^[^:]+:.+$/.test(credentials)) {
      return jsonAnswer(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    if (!new URLSearchParams(fromUtf8(request.body)).get('grant_type')?.startsWith('client_credentials')) {
      return jsonAnswer(400, { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' });
    }
    return jsonAnswer(200, {
      scope: 'https://uri.paypal.com/services/applications/webhooks',
      access_token: `A21AA${createHash('sha256').update(credentials).digest('base64url').slice(0, 40)}`,
      token_type: 'Bearer',
      app_id: 'APP-80W284485P519543T',
      expires_in: 32400,
      nonce: 'ipn-gauntlet',
    });
  },
};

/** PayPal's default page size for the event list; the largest page served (PayPal publishes no bound: UNCONFIRMED). */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 300;

/**
 * `GET /v1/notifications/webhooks-events`: the events the gateway sent, newest first (by `create_time`, then the later
 * recorded first), `page_size` (default 10), `start_time` / `end_time` (RFC 3339, both inclusive), `event_type`, and
 * `transaction_id` (the resource's id). Answers PayPal's `{ events, count, links }`; a page with more after it has a
 * `next` link. PayPal does not publish how its next link pages (docs/decisions/0028-reconciliation.md): here it carries
 * the same filters and an opaque `page_token`, so a client that follows the link as given works, and one that builds
 * its own next request does not.
 */
const listWebhookEvents: GatewayEndpoint = {
  method: 'GET',
  path: '/v1/notifications/webhooks-events',
  origins: apiOrigins,
  name: 'paypal-rest event list',
  lists: { isLaterPage: (request) => request.query.has('page_token') },
  answer(request, context) {
    if (!/^Bearer \S+$/.test(request.header('authorization') ?? '')) {
      return jsonAnswer(401, { error: 'invalid_token', error_description: 'Authorization header is missing' });
    }
    const query = request.query;
    const invalid = (field: string, issue: string) =>
      jsonAnswer(400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [{ field, location: 'query', issue }],
      });
    const sizeText = query.get('page_size');
    const size = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
      return invalid('page_size', 'INVALID_PARAMETER_VALUE');
    const bound = (name: string): number | null | 'invalid' => {
      const value = query.get(name);
      if (value === null) return null;
      const at = Date.parse(value);
      return /^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(at) ? at : 'invalid';
    };
    const start = bound('start_time');
    const end = bound('end_time');
    if (start === 'invalid') return invalid('start_time', 'INVALID_PARAMETER_SYNTAX');
    if (end === 'invalid') return invalid('end_time', 'INVALID_PARAMETER_SYNTAX');
    const type = query.get('event_type');
    const transaction = query.get('transaction_id');
    const all = context.ledger.store
      .list(EVENT)
      .map((value, index) => ({ event: value as Record<string, unknown>, index }))
      .map(({ event, index }) => ({ event, index, at: Date.parse(String(event.create_time)) }))
      .filter(({ at }) => (start === null || at >= start) && (end === null || at <= end))
      .filter(({ event }) => type === null || event.event_type === type)
      .filter(
        ({ event }) => transaction === null || (event.resource as { id?: unknown } | undefined)?.id === transaction,
      )
      .sort((a, b) => b.at - a.at || b.index - a.index)
      .map(({ event }) => event);
    const tokenText = query.get('page_token');
    const offset = tokenText === null ? 0 : Number.parseInt(tokenText, 36);
    if (!Number.isInteger(offset) || offset < 0) return invalid('page_token', 'INVALID_PARAMETER_VALUE');
    const page = all.slice(offset, offset + size);
    const origin = request.origin;
    const link = (params: URLSearchParams, rel: string) => ({
      href: `${origin}/v1/notifications/webhooks-events?${params}`,
      rel,
      method: 'GET',
    });
    const self = new URLSearchParams(query);
    const next = new URLSearchParams(query);
    next.set('page_token', (offset + size).toString(36));
    if (!next.has('page_size')) next.set('page_size', String(size));
    return {
      ...jsonAnswer(200, {
        events: page,
        count: page.length,
        links: [link(self, 'self'), ...(offset + size < all.length ? [link(next, 'next')] : [])],
      }),
      listed: page.map((event) => String(event.id)),
    };
  },
};

function certificate(path: string): GatewayEndpoint {
  return {
    method: 'GET',
    path,
    origins: certOrigins,
    name: 'paypal-rest certificate',
    answer: (request) =>
      request.params.name === PAYPAL_REST_CERT_NAME
        ? textAnswer(200, GATEWAY_CERTIFICATE_PEM, { 'content-type': 'application/x-pem-file' })
        : notFound(`no certificate ${String(request.params.name).slice(0, 64)}`),
  };
}

const verifyWebhookSignature: GatewayEndpoint = {
  method: 'POST',
  path: '/v1/notifications/verify-webhook-signature',
  origins: apiOrigins,
  name: 'paypal-rest verify-webhook-signature',
  answer(request, context) {
    if (!/^Bearer \S+$/.test(request.header('authorization') ?? '')) {
      return jsonAnswer(401, { error: 'invalid_token', error_description: 'Authorization header is missing' });
    }
    const parsed = VerifyWebhookSignatureSchema.safeParse(parseJson(request.body));
    if (!parsed.success) {
      return jsonAnswer(400, {
        name: 'VALIDATION_ERROR',
        message: 'Invalid request - see details',
        details: parsed.error.issues.slice(0, 3).map((i) => ({ field: i.path.join('.'), issue: i.message })),
      });
    }
    const input = parsed.data;
    const ownCertificate = isOwnCertificate(input.cert_url, request.header('host'));
    const verdict = ownCertificate
      ? verifyPaypalRest({
          body: utf8(JSON.stringify(input.webhook_event)),
          headers: {
            [PAYPAL_REST_HEADERS.transmissionId]: input.transmission_id,
            [PAYPAL_REST_HEADERS.transmissionTime]: input.transmission_time,
            [PAYPAL_REST_HEADERS.transmissionSig]: input.transmission_sig,
            [PAYPAL_REST_HEADERS.certUrl]: input.cert_url,
            [PAYPAL_REST_HEADERS.authAlgo]: input.auth_algo,
          },
          webhookId: input.webhook_id,
          certificatePem: GATEWAY_CERTIFICATE_PEM,
          nowSeconds: unixSeconds(context.clock),
        })
      : { ok: false };
    return jsonAnswer(200, { verification_status: verdict.ok ? 'SUCCESS' : 'FAILURE' });
  },
};

/** Whether a cert URL names this gateway's certificate on a PayPal host or on this gateway itself. */
function isOwnCertificate(certUrl: string, host: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return false;
  }
  const hostAllowed = (PAYPAL_CERT_HOSTS as readonly string[]).includes(url.host) || url.host === host;
  return hostAllowed && url.pathname.split('/').at(-1) === PAYPAL_REST_CERT_NAME;
}

function notFound(message: string): GatewayAnswer {
  return jsonAnswer(404, { name: 'RESOURCE_NOT_FOUND', message });
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    return undefined;
  }
}
