import { X509Certificate } from 'node:crypto';
import Fastify from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import {
  PAYPAL_REST_CERT_NAME,
  PAYPAL_REST_CERT_URL,
  PAYPAL_REST_HEADERS,
  paypalRest,
  paypalRestHeaders,
} from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  ATTACKER_PRIVATE_KEY_PEM,
  GATEWAY_CERTIFICATE_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { PaypalCertificates } from '../../receiver/paypal-certificates.js';
import { startTestGateway } from '../support/gateway.js';
import { listenOnLoopback } from '../support/listen.js';

const WEBHOOK_ID = '8PT597110X687430LKGECATA';
const GATEWAY_FINGERPRINT = new X509Certificate(GATEWAY_CERTIFICATE_PEM).fingerprint256;
const NOW = 1_700_000_000;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function gateway() {
  const started = await startTestGateway('paypal-rest-key', [paypalRest]);
  closers.push(started.close);
  return started.url;
}

/** An attacker's server on another loopback port serving the attacker's certificate, counting every request. */
async function attackerServer() {
  const app = Fastify({ logger: false });
  const seen = { requests: 0 };
  app.get('/certs/:name', async (_request, reply) => {
    seen.requests += 1;
    return reply.type('application/x-pem-file').send(ATTACKER_CERTIFICATE_PEM);
  });
  const url = await listenOnLoopback(app);
  closers.push(() => app.close());
  return { url, seen };
}

function genuineDelivery() {
  const { event, eventId } = paypalRest.buildEvent({
    kind: 'succeeded',
    eventKey: 'c1',
    orderId: 'ord_c1',
    paymentKey: 'p_c1',
    amountMinor: 4200,
    currency: 'EUR',
    createdAt: NOW,
  });
  const body = paypalRest.encode(event);
  return { body, eventId, input: { body, secrets: [WEBHOOK_ID], timestamp: NOW, eventId } };
}

describe('the gateway serves PayPal REST certificates', () => {
  test('GET /certs/:name and PayPal’s own path answer the certificate; another name is a 404', async () => {
    const base = await gateway();
    for (const path of [`/certs/${PAYPAL_REST_CERT_NAME}`, `/v1/notifications/certs/${PAYPAL_REST_CERT_NAME}`]) {
      const response = await request(`${base}${path}`);
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe(GATEWAY_CERTIFICATE_PEM);
    }
    const missing = await request(`${base}/certs/CERT-someone-else`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });

  test('verify-webhook-signature answers SUCCESS for a genuine delivery and FAILURE for forgeries', async () => {
    const base = await gateway();
    const { body, input } = genuineDelivery();
    const ask = async (headers: Record<string, string>, webhookEvent: unknown, authorization = 'Bearer A21AAtest') => {
      const response = await request(`${base}/v1/notifications/verify-webhook-signature`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          auth_algo: headers[PAYPAL_REST_HEADERS.authAlgo],
          cert_url: headers[PAYPAL_REST_HEADERS.certUrl],
          transmission_id: headers[PAYPAL_REST_HEADERS.transmissionId],
          transmission_sig: headers[PAYPAL_REST_HEADERS.transmissionSig],
          transmission_time: headers[PAYPAL_REST_HEADERS.transmissionTime],
          webhook_id: WEBHOOK_ID,
          webhook_event: webhookEvent,
        }),
      });
      return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
    };
    const event = JSON.parse(fromUtf8(body)) as { resource: { amount: { value: string } } };
    const genuine = paypalRest.sign(input);
    expect(await ask(genuine, event)).toEqual({ status: 200, json: { verification_status: 'SUCCESS' } });

    const tampered = structuredClone(event);
    tampered.resource.amount.value = '0.01';
    expect((await ask(genuine, tampered)).json).toEqual({ verification_status: 'FAILURE' });
    const wrongKey = paypalRestHeaders(input, { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM });
    expect((await ask(wrongKey, event)).json).toEqual({ verification_status: 'FAILURE' });
    const foreign = paypalRestHeaders(input, { certUrl: 'https://evil.example/certs/CERT-1a9c0f3e-ipn0gaun-tlet2026' });
    expect((await ask(foreign, event)).json).toEqual({ verification_status: 'FAILURE' });
    expect((await ask(genuine, event, '')).status).toBe(401);
  });
});

describe('PaypalCertificates: the reference receiver’s allow-list', () => {
  test('a cert URL on a PayPal host is fetched once, from the gateway standing in for PayPal, then cached', async () => {
    const certificates = new PaypalCertificates({ gatewayUrl: await gateway() });
    const first = await certificates.get(PAYPAL_REST_CERT_URL);
    expect(first).toEqual({ kind: 'certificate', pem: GATEWAY_CERTIFICATE_PEM, fingerprint: GATEWAY_FINGERPRINT });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toEqual(first);
    expect(certificates.fetches).toBe(1);

    const { body, input } = genuineDelivery();
    const headers = paypalRest.sign(input);
    const pem = first.kind === 'certificate' ? first.pem : '';
    expect(paypalRest.verify({ body, headers, secret: WEBHOOK_ID, nowSeconds: NOW, certificate: pem })).toEqual({
      ok: true,
    });
  });

  test('a cert URL on a foreign host is refused without any request to it; fetched blindly, its forgery verifies', async () => {
    const attacker = await attackerServer();
    const certificates = new PaypalCertificates({ gatewayUrl: await gateway() });
    const { body, input } = genuineDelivery();
    const forgedUrl = `${attacker.url}/certs/CERT-attacker`;
    const forged = paypalRestHeaders(input, { certUrl: forgedUrl, privateKeyPem: ATTACKER_PRIVATE_KEY_PEM });

    const answer = await certificates.get(forgedUrl);
    expect(answer).toMatchObject({ kind: 'refused' });
    expect(attacker.seen.requests).toBe(0);
    expect(certificates.fetches).toBe(0);

    // What a receiver that fetches any cert URL gets: the attacker's certificate, under which the forgery holds.
    const blind = await request(forgedUrl);
    const attackerPem = await blind.body.text();
    expect(attacker.seen.requests).toBe(1);
    expect(
      paypalRest.verify({ body, headers: forged, secret: WEBHOOK_ID, nowSeconds: NOW, certificate: attackerPem }),
    ).toEqual({ ok: true });
  });

  test.each([
    ['plain HTTP to a PayPal host', 'http://api.paypal.com/v1/notifications/certs/CERT-x'],
    ['a look-alike host', 'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-x'],
    ['a PayPal host on another port', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-x'],
    ['credentials in the URL', 'https://user:pw@api.paypal.com/v1/notifications/certs/CERT-x'],
    ['no URL at all', 'CERT-x'],
  ])('%s is refused', (_name, url) => {
    expect(new PaypalCertificates().source(url).ok).toBe(false);
  });

  test('without a gateway only PayPal’s HTTPS hosts are allowed, the URL kept as sent', () => {
    const source = new PaypalCertificates().source(PAYPAL_REST_CERT_URL);
    expect(source).toEqual({ ok: true, url: new URL(PAYPAL_REST_CERT_URL), certUrl: new URL(PAYPAL_REST_CERT_URL) });
  });

  test('a cert URL on the gateway’s own origin is refused: the gateway only stands in for PayPal’s hosts', async () => {
    const base = await gateway();
    const certificates = new PaypalCertificates({ gatewayUrl: base });
    expect(await certificates.get(`${base}/v1/notifications/certs/${PAYPAL_REST_CERT_NAME}`)).toMatchObject({
      kind: 'refused',
      refusal: 'scheme',
    });
    expect(certificates.fetches).toBe(0);
  });

  test('the cache is keyed by the cert URL as sent: two PayPal hosts on one gateway path are two entries', async () => {
    const certificates = new PaypalCertificates({ gatewayUrl: await gateway() });
    const live = PAYPAL_REST_CERT_URL.replace('api.sandbox.paypal.com', 'api.paypal.com');
    for (const url of [PAYPAL_REST_CERT_URL, live, PAYPAL_REST_CERT_URL, live]) {
      expect(await certificates.get(url)).toMatchObject({ kind: 'certificate' });
    }
    expect(certificates.fetches).toBe(2);
  });

  test('a cert URL that answers another certificate when fetched again is refused', async () => {
    const app = Fastify({ logger: false });
    let served = 0;
    app.get('/v1/notifications/certs/:name', async (_request, reply) => {
      served += 1;
      return reply
        .type('application/x-pem-file')
        .send(served === 1 ? GATEWAY_CERTIFICATE_PEM : ATTACKER_CERTIFICATE_PEM);
    });
    const url = await listenOnLoopback(app);
    closers.push(() => app.close());
    // One cache entry: a second URL evicts the first, so the first is fetched again.
    const certificates = new PaypalCertificates({ gatewayUrl: url, maxEntries: 1 });
    const other = PAYPAL_REST_CERT_URL.replace('api.sandbox.paypal.com', 'api.paypal.com');
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'certificate' });
    expect(await certificates.get(other)).toMatchObject({ kind: 'certificate' });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({
      kind: 'refused',
      refusal: 'certificate-changed',
    });
    expect(certificates.fetches).toBe(3);
  });

  test('a redirect from the allowed host is not followed: the attacker’s server gets no request', async () => {
    const attacker = await attackerServer();
    const app = Fastify({ logger: false });
    app.get('/v1/notifications/certs/:name', async (_request, reply) =>
      reply.redirect(`${attacker.url}/certs/CERT-attacker`, 302),
    );
    const url = await listenOnLoopback(app);
    closers.push(() => app.close());
    const certificates = new PaypalCertificates({ gatewayUrl: url });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'unreachable' });
    expect(attacker.seen.requests).toBe(0);
  });

  test('an answer larger than a certificate is refused without reading all of it', async () => {
    const app = Fastify({ logger: false });
    app.get('/v1/notifications/certs/:name', async (_request, reply) => reply.send('A'.repeat(1024 * 1024)));
    const url = await listenOnLoopback(app);
    closers.push(() => app.close());
    const certificates = new PaypalCertificates({ gatewayUrl: url });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'refused', refusal: 'too-large' });
  });

  test('an allowed host that is not a hostname as URLs print it is a configuration error', () => {
    expect(() => new PaypalCertificates({ allowedHosts: ['API.PayPal.com.'] })).toThrow(
      expect.objectContaining({ code: 'IPN_ERR_RECEIVER_OPTIONS' }),
    );
  });

  test('an unreachable certificate host is reported as such and not cached', async () => {
    const app = Fastify({ logger: false });
    const url = await listenOnLoopback(app);
    await app.close();
    const certificates = new PaypalCertificates({ gatewayUrl: url, timeoutMs: 2_000 });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'unreachable' });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'unreachable' });
    expect(certificates.fetches).toBe(2);
  });

  test('an allowed host answering something that is not a certificate is refused', async () => {
    const app = Fastify({ logger: false });
    app.get('/v1/notifications/certs/:name', async () => 'not a certificate');
    const url = await listenOnLoopback(app);
    closers.push(() => app.close());
    const certificates = new PaypalCertificates({ gatewayUrl: url });
    expect(await certificates.get(PAYPAL_REST_CERT_URL)).toMatchObject({ kind: 'refused' });
  });
});
