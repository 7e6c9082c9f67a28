import { expect, test } from 'vitest';
import { OrderViewSchema } from '../../contracts/probe.js';
import { probeHeaders } from '../support/probe-token.js';
import { getOrder, putOrder, receiverFixture } from './receiver-fixture.js';

test('putting an order creates it awaiting payment, in the probe contract shape', async () => {
  const { app } = await receiverFixture();
  const created = await putOrder(app, 'order-new', '12.5', 'eur');
  expect(created.statusCode).toBe(201);

  const order = await getOrder(app, 'order-new');
  expect(order.status).toBe(200);
  expect(OrderViewSchema.parse(order.body)).toEqual({
    orderId: 'order-new',
    status: 'awaiting_payment',
    amountPaid: '0.00',
    amountRefunded: '0.00',
    currency: 'EUR',
    fulfillments: 0,
    refunds: 0,
  });
});

test('putting the same order again is harmless, and different terms are a conflict', async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'order-same', '50.00', 'USD');
  expect((await putOrder(app, 'order-same', '50', 'usd')).statusCode).toBe(200);

  const conflict = await putOrder(app, 'order-same', '51.00', 'USD');
  expect(conflict.statusCode).toBe(409);
  expect(conflict.json()).toMatchObject({ error: 'order_conflict' });
  // The conflict repeats only the caller's terms, never the stored amount.
  expect(conflict.body).not.toContain('50.00');
});

const anonymousCalls = [
  { method: 'PUT', url: '/ipn-probe/orders/squat-1', payload: { amount: '0.01', currency: 'USD' } },
  { method: 'GET', url: '/ipn-probe/orders/squat-1' },
  { method: 'GET', url: '/ipn-probe/health' },
] as const;

for (const call of anonymousCalls) {
  for (const [who, headers] of [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-probe-token' }],
    ['the token without its scheme', { authorization: probeHeaders.authorization.replace('Bearer ', '') }],
  ] as const) {
    test(`the probe answers ${call.method} ${call.url} with ${who} 401 and changes nothing`, async () => {
      const { app } = await receiverFixture();
      const response = await app.inject({ ...call, headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Bearer');
      expect(response.json()).toMatchObject({ error: 'probe_unauthorized' });
      expect(response.body).not.toContain('0.01');
      // An anonymous PUT squats nothing: the real order can still be created at its own amount.
      expect((await putOrder(app, 'squat-1', '49.99', 'USD')).statusCode).toBe(201);
    });
  }
}

test('without the probe option the probe routes do not exist', async () => {
  const { app } = await receiverFixture({ probe: undefined });
  const response = await app.inject({ method: 'GET', url: '/ipn-probe/health', headers: probeHeaders });
  expect(response.statusCode).toBe(404);
  expect((await putOrder(app, 'order-x')).statusCode).toBe(404);
});

test('a probe token shorter than 16 characters is refused at start-up, naming the variable', async () => {
  const error = await receiverFixture({ probe: { token: 'short' } }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'IPN_ERR_RECEIVER_OPTIONS' });
  expect(String((error as Error).message)).toMatch(/probe\.token: .*16 characters.*IPN_GAUNTLET_PROBE_TOKEN/);
});

const invalidPuts = [
  { case: 'an amount that is not a number', url: '/ipn-probe/orders/o-1', payload: { amount: 'ten', currency: 'USD' } },
  {
    case: 'a currency that is not three letters',
    url: '/ipn-probe/orders/o-1',
    payload: { amount: '1', currency: 'US' },
  },
  {
    case: 'more decimals than the currency has',
    url: '/ipn-probe/orders/o-1',
    payload: { amount: '1.5', currency: 'JPY' },
  },
  { case: 'a negative amount', url: '/ipn-probe/orders/o-1', payload: { amount: '-1.00', currency: 'USD' } },
  { case: 'a missing amount', url: '/ipn-probe/orders/o-1', payload: { currency: 'USD' } },
  {
    case: 'an order id outside the safe alphabet',
    url: '/ipn-probe/orders/o%20x',
    payload: { amount: '1', currency: 'USD' },
  },
];

for (const { case: what, url, payload } of invalidPuts) {
  test(`putting an order with ${what} is a 400 JSON error`, async () => {
    const { app } = await receiverFixture();
    const response = await app.inject({ method: 'PUT', url, payload, headers: probeHeaders });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toHaveProperty('message');
  });
}

test('putting an order with a body that is not JSON is a 400 JSON error', async () => {
  const { app } = await receiverFixture();
  const response = await app.inject({
    method: 'PUT',
    url: '/ipn-probe/orders/o-1',
    headers: { ...probeHeaders, 'content-type': 'application/json' },
    payload: '{"amount":',
  });
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toContain('application/json');
});

test('an unknown order is 404', async () => {
  const { app } = await receiverFixture();
  const response = await app.inject({ method: 'GET', url: '/ipn-probe/orders/nobody', headers: probeHeaders });
  expect(response.statusCode).toBe(404);
  expect(response.json()).toMatchObject({ error: 'order_not_found' });
});

test('health answers ok with the number of pending inbox rows', async () => {
  const { app } = await receiverFixture();
  const response = await app.inject({ method: 'GET', url: '/ipn-probe/health', headers: probeHeaders });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ status: 'ok', inboxPending: await app.inbox.pending() });
});
