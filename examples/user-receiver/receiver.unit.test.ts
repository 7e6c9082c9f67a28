/**
 * Unit tests of the receiver with no gauntlet run and no network: `ipn-gauntlet/sign` builds correctly signed Stripe
 * requests, `ipn-gauntlet/msw` answers Stripe's API for the reconciliation job.
 */
import { createGatewayLedger, gatewayHandlers } from 'ipn-gauntlet/msw';
import { signedPayment } from 'ipn-gauntlet/sign';
import { setupServer } from 'msw/node';
import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildUserReceiver } from './receiver.js';
import { paymentStatusOf } from './reconcile.js';

const secret = 'whsec_user_receiver_unit_tests';

async function receiverWithOrder(orderId: string) {
  const app = buildUserReceiver({ secret });
  await app.inject({
    method: 'PUT',
    url: `/ipn-probe/orders/${orderId}`,
    payload: { amount: '49.99', currency: 'USD' },
  });
  const order = async () => (await app.inject({ method: 'GET', url: `/ipn-probe/orders/${orderId}` })).json();
  return { app, order };
}

test('a signed payment is applied once, however often it is delivered', async () => {
  const { app, order } = await receiverWithOrder('ord_unit_1');
  const payment = signedPayment({
    provider: 'stripe',
    secret,
    orderId: 'ord_unit_1',
    amount: '49.99',
    currency: 'USD',
  });
  for (let i = 0; i < 3; i += 1) {
    const answer = await app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      headers: payment.headers,
      payload: payment.body,
    });
    expect(answer.statusCode).toBe(200);
  }
  expect(await order()).toMatchObject({ status: 'paid', amountPaid: '49.99', fulfillments: 1 });
});

test('a body changed after signing, or signed with another secret, is rejected and changes nothing', async () => {
  const { app, order } = await receiverWithOrder('ord_unit_2');
  const payment = signedPayment({
    provider: 'stripe',
    secret,
    orderId: 'ord_unit_2',
    amount: '49.99',
    currency: 'USD',
  });
  const tampered = Buffer.from(payment.body.toString('utf8').replace('4999', '1'));
  const other = signedPayment({
    provider: 'stripe',
    secret: 'whsec_someone_else',
    orderId: 'ord_unit_2',
    amount: '49.99',
    currency: 'USD',
  });
  for (const [headers, body] of [
    [payment.headers, tampered],
    [other.headers, other.body],
  ] as const) {
    expect((await app.inject({ method: 'POST', url: '/webhooks/stripe', headers, payload: body })).statusCode).toBe(
      400,
    );
  }
  expect(await order()).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });
});

const ledger = createGatewayLedger();
const stripeApi = setupServer(...gatewayHandlers({ seed: 1, providers: ['stripe'], ledger }));
beforeAll(() => stripeApi.listen({ onUnhandledRequest: 'error' }));
afterAll(() => stripeApi.close());

test('the reconciliation job reads the payment status from the Stripe API (msw, no network)', async () => {
  const api = new Stripe('sk_test_userreceiver1', { maxNetworkRetries: 0 });
  const pending = signedPayment({
    provider: 'stripe',
    secret,
    orderId: 'ord_unit_3',
    amount: '10.00',
    currency: 'EUR',
    kind: 'pending',
  });
  ledger.record('stripe', pending.body);
  expect(await paymentStatusOf(api, pending.eventId)).toBe('processing');
  await expect(paymentStatusOf(api, 'evt_never_sent')).rejects.toThrow(/No such event/);
});
