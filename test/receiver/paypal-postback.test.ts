import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { isIpnError } from '../../contracts/errors.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { signedRequest } from '../../contracts/provider.js';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { buildReceiver } from '../../receiver/app.js';
import { startTestGateway } from '../support/gateway.js';
import { testProbe } from '../support/probe-token.js';
import { getOrder, NOW_MS, NOW_SECONDS, putOrder, readTables, temporaryDbFile } from './receiver-fixture.js';

const MERCHANT = 'seller@example.com';
const KEY = 'gateway-key-for-receiver-tests';

async function paypalReceiver(options: { gateway?: 'running' | 'down' } = {}) {
  const gateway = await startTestGateway(KEY, [paypalIpn]);
  if (options.gateway === 'down') await gateway.close();
  else onTestFinished(() => gateway.close());
  const dbFile = await temporaryDbFile();
  const app = await buildReceiver({
    secrets: { 'paypal-ipn': MERCHANT },
    dbFile,
    clock: manualClock(NOW_MS),
    gatewayUrl: gateway.url,
    ...testProbe,
  });
  onTestFinished(() => app.close());
  return { app, dbFile };
}

function ipn(orderId: string, kind: PaymentStep['kind'], extra: Partial<PaymentStep> = {}) {
  const step: PaymentStep = {
    kind,
    eventKey: `${orderId}-${kind}`,
    orderId,
    paymentKey: `pay-${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: NOW_SECONDS - 60,
    payee: MERCHANT,
    ...extra,
  };
  const { event, eventId } = paypalIpn.buildEvent(step);
  return signedRequest(paypalIpn, {
    body: paypalIpn.encode(event),
    eventId,
    secrets: [MERCHANT],
    timestamp: 0,
    gatewayKey: KEY,
  });
}

function post(app: FastifyInstance, request: { headers: Readonly<Record<string, string>>; body: Uint8Array }) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/paypal-ipn',
    headers: request.headers,
    payload: Buffer.from(request.body),
  });
}

test('a genuine IPN is posted back, VERIFIED, stored under txn_id + payment_status and applied once', async () => {
  const { app } = await paypalReceiver();
  await putOrder(app, 'ord_pp_ok');
  const pending = ipn('ord_pp_ok', 'pending');
  const completed = ipn('ord_pp_ok', 'succeeded');
  for (const request of [pending, completed, completed]) expect((await post(app, request)).statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_pp_ok')).body).toMatchObject({
    status: 'paid',
    amountPaid: '50.00',
    fulfillments: 1,
  });
});

test('an IPN the gateway answers INVALID to (amount changed after sending) is refused and changes nothing', async () => {
  const { app, dbFile } = await paypalReceiver();
  await putOrder(app, 'ord_pp_forged');
  const genuine = ipn('ord_pp_forged', 'succeeded');
  const forged = { ...genuine, body: paypalIpn.tamper?.(genuine.body) ?? genuine.body };
  const response = await post(app, forged);
  expect(response.statusCode).toBe(400);
  expect(response.json()).toMatchObject({ error: 'postback_invalid' });
  await app.inbox.drain();
  expect(readTables(dbFile).inbox).toEqual([]);
  expect((await getOrder(app, 'ord_pp_forged')).body).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });
});

test('a genuine IPN paid to another receiver_email is acknowledged, kept as a dead letter and never applied', async () => {
  const { app, dbFile } = await paypalReceiver();
  await putOrder(app, 'ord_pp_elsewhere');
  const response = await post(app, ipn('ord_pp_elsewhere', 'succeeded', { payee: 'attacker@example.org' }));
  expect(response.statusCode).toBe(200);
  await app.inbox.drain();
  expect(readTables(dbFile).deadLetters).toEqual([
    expect.objectContaining({ provider: 'paypal-ipn', reason: expect.stringContaining('attacker@example.org') }),
  ]);
  expect((await getOrder(app, 'ord_pp_elsewhere')).body).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });
});

test('when the gateway cannot be asked the receiver answers 503 (PayPal resends) and stores nothing', async () => {
  const { app, dbFile } = await paypalReceiver({ gateway: 'down' });
  const response = await post(app, ipn('ord_pp_down', 'succeeded'));
  expect(response.statusCode).toBe(503);
  expect(response.json()).toMatchObject({ error: 'gateway_unreachable' });
  expect(readTables(dbFile).inbox).toEqual([]);
});

test('a receiver serving PayPal IPN without a gateway URL refuses to start and says what to set', async () => {
  const dbFile = await temporaryDbFile();
  const error = await buildReceiver({ secrets: { 'paypal-ipn': MERCHANT }, dbFile }).catch((e: unknown) => e);
  expect(isIpnError(error) && error.code).toBe('IPN_ERR_GATEWAY_MISSING');
  expect(isIpnError(error) && error.describe()).toMatch(/IPN_GAUNTLET_GATEWAY_URL/);
});
