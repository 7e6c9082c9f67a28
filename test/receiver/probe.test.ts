import { expect, test } from 'vitest';
import { OrderViewSchema } from '../../contracts/probe.js';
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
    const response = await app.inject({ method: 'PUT', url, payload });
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
    headers: { 'content-type': 'application/json' },
    payload: '{"amount":',
  });
  expect(response.statusCode).toBe(400);
  expect(response.headers['content-type']).toContain('application/json');
});

test('an unknown order is 404', async () => {
  const { app } = await receiverFixture();
  const response = await app.inject({ method: 'GET', url: '/ipn-probe/orders/nobody' });
  expect(response.statusCode).toBe(404);
  expect(response.json()).toMatchObject({ error: 'order_not_found' });
});

test('health answers ok with the number of pending inbox rows', async () => {
  const { app } = await receiverFixture();
  const response = await app.inject({ method: 'GET', url: '/ipn-probe/health' });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ status: 'ok', inboxPending: await app.inbox.pending() });
});
