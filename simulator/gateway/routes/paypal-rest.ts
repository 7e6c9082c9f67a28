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
    ? [certificate('/certs/:name'), certificate('/v1/notifications/certs/:name'), verifyWebhookSignature]
    : [];

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
