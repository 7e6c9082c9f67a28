import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { paypalRest, paypalRestHeaders } from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  ATTACKER_PRIVATE_KEY_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import { crc32, crc32AsSignedInt } from '../../contracts/providers/paypal-rest-crc32.js';
import { buildReceiver } from '../../receiver/app.js';
import { startTestGateway } from '../support/gateway.js';
import { testProbe } from '../support/probe-token.js';
import { getOrder, NOW_MS, NOW_SECONDS, putOrder, temporaryDbFile } from './receiver-fixture.js';

const WEBHOOK_ID = '8PT597110X687430LKGECATA';

async function paypalRestReceiver(options: { gateway?: 'running' | 'down' } = {}) {
  const gateway = await startTestGateway('paypal-rest-receiver-key', [paypalRest]);
  if (options.gateway === 'down') await gateway.close();
  else onTestFinished(() => gateway.close());
  const app = await buildReceiver({
    secrets: { 'paypal-rest': WEBHOOK_ID },
    dbFile: await temporaryDbFile(),
    clock: manualClock(NOW_MS),
    gatewayUrl: gateway.url,
    ...testProbe,
  });
  onTestFinished(() => app.close());
  return app;
}

function delivery(orderId: string, kind: PaymentStep['kind'] = 'succeeded') {
  const { event, eventId } = paypalRest.buildEvent({
    kind,
    eventKey: `${orderId}-${kind}`,
    orderId,
    paymentKey: `pay-${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: NOW_SECONDS - 60,
  });
  const body = paypalRest.encode(event);
  return { body, input: { body, eventId, secrets: [WEBHOOK_ID], timestamp: NOW_SECONDS } };
}

function post(app: FastifyInstance, headers: Record<string, string>, body: Uint8Array) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/paypal-rest',
    headers: { ...paypalRest.baseHeaders, ...headers },
    payload: Buffer.from(body),
  });
}

/** The attacker's host on another loopback port, counting the requests it gets. */
async function attackerHost() {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(ATTACKER_CERTIFICATE_PEM);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

async function settled(app: FastifyInstance, orderId: string, status: string) {
  for (let i = 0; i < 100; i++) {
    const order = await getOrder(app, orderId);
    if (order.body.status === status) return order.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return (await getOrder(app, orderId)).body;
}

test('a genuine PayPal REST payment verifies with the certificate from the gateway and is applied', async () => {
  const app = await paypalRestReceiver();
  await putOrder(app, 'ord_pr1');
  const { body, input } = delivery('ord_pr1');
  const response = await post(app, paypalRest.sign(input), body);
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ received: true, duplicate: false });
  expect(await settled(app, 'ord_pr1', 'paid')).toMatchObject({ status: 'paid' });
});

test('a cert URL on a foreign host is refused with no request to it, and nothing is applied', async () => {
  const app = await paypalRestReceiver();
  const attacker = await attackerHost();
  await putOrder(app, 'ord_pr2');
  const { body, input } = delivery('ord_pr2');
  const forged = paypalRestHeaders(input, {
    certUrl: `${attacker.url}/v1/notifications/certs/CERT-attacker`,
    privateKeyPem: ATTACKER_PRIVATE_KEY_PEM,
  });
  const response = await post(app, forged, body);
  expect(response.statusCode).toBe(400);
  expect(response.json()).toMatchObject({ error: 'signature_rejected', reason: 'certificate_refused' });
  expect(attacker.requests()).toBe(0);
  expect((await getOrder(app, 'ord_pr2')).body).toMatchObject({ status: 'awaiting_payment' });
});

test.each([
  ['// on the sandbox host', (a: string) => `https://api.sandbox.paypal.com//${a}/cert`],
  ['// before PayPal’s path', (a: string) => `https://api.paypal.com//${a}/v1/notifications/certs/CERT-x`],
  ['/..//', (a: string) => `https://api.paypal.com/..//${a}/cert`],
  ['/%2e%2e//', (a: string) => `https://api.paypal.com/%2e%2e//${a}/cert`],
  ['\\\\ after the host', (a: string) => `https://api.paypal.com\\\\${a}/cert`],
])(
  'a PayPal cert URL whose path is %s the attacker is refused with no request to it, and nothing is applied',
  async (_name, form) => {
    const app = await paypalRestReceiver();
    const attacker = await attackerHost();
    await putOrder(app, 'ord_pr5');
    const { body, input } = delivery('ord_pr5');
    const certUrl = form(attacker.url.replace('http://', ''));
    const forged = paypalRestHeaders(input, { certUrl, privateKeyPem: ATTACKER_PRIVATE_KEY_PEM });
    const response = await post(app, forged, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'signature_rejected', reason: 'certificate_refused' });
    // The same delivery again: a refusal is not cached as anything the next request could be served from.
    expect((await post(app, forged, body)).statusCode).toBe(400);
    expect(attacker.requests()).toBe(0);
    await app.inbox.drain();
    expect((await getOrder(app, 'ord_pr5')).body).toMatchObject({ status: 'awaiting_payment' });
  },
);

test('a signature over the signed-int CRC and one by another key are refused', async () => {
  const app = await paypalRestReceiver();
  const { body, input } = delivery('ord_pr3');
  // The body's CRC must have its top bit set for the signed decimal to differ: pad it with spaces until it does.
  let padded: Uint8Array = body;
  for (let i = 0; i < 64 && crc32(padded) < 2 ** 31; i++) padded = Buffer.concat([padded, Buffer.from(' ')]);
  expect(crc32AsSignedInt(padded)).toBeLessThan(0);
  const signedCrc = await post(app, paypalRestHeaders({ ...input, body: padded }, { crc: 'signed' }), padded);
  expect(signedCrc.statusCode).toBe(400);
  const otherKey = await post(app, paypalRestHeaders(input, { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM }), body);
  expect(otherKey.statusCode).toBe(400);
  expect(otherKey.json()).toMatchObject({ reason: 'no_matching_signature' });
});

test('an unreachable certificate host answers 503, so PayPal resends', async () => {
  const app = await paypalRestReceiver({ gateway: 'down' });
  const { body, input } = delivery('ord_pr4');
  const response = await post(app, paypalRest.sign(input), body);
  expect(response.statusCode).toBe(503);
  expect(response.json()).toMatchObject({ error: 'certificate_unreachable' });
});
