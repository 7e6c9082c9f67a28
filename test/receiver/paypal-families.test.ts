import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { deriveOrderState, toOrderView } from '../../contracts/lifecycle.js';
import { formatMinor } from '../../contracts/money.js';
import { type Provider, signedRequest } from '../../contracts/provider.js';
import { paypalIpn, paypalIpnFamilies } from '../../contracts/providers/paypal-ipn.js';
import { buildReceiver } from '../../receiver/app.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, type WorldOrder } from '../../simulator/world.js';
import { startTestGateway } from '../support/gateway.js';
import { testProbe } from '../support/probe-token.js';
import { getOrder, NOW_MS, putOrder, readTables, temporaryDbFile } from './receiver-fixture.js';

/**
 * The reference receiver against PayPal's IPN families, through the fake gateway's postback (VERIFIED for what it
 * sealed): it ends in the rule's state, credits each subscription payment once, and a redelivered one not again.
 */
const MERCHANT = 'seller@example.com';
const KEY = 'gateway-key-for-family-tests';

async function paypalReceiver() {
  const gateway = await startTestGateway(KEY, [paypalIpn]);
  onTestFinished(() => gateway.close());
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

type FamilyId = keyof typeof paypalIpnFamilies;
const withFamily = (id: FamilyId): Provider =>
  ({ ...paypalIpn, families: { [id]: paypalIpnFamilies[id] } }) as Provider;

let orders = 0;
function orderOf(lifecycle: LifecycleKind, currency = 'USD'): WorldOrder {
  orders += 1;
  const world = createWorld({ random: createRandom(orders), runId: `pr${orders}`, startSeconds: 1_749_990_000 });
  return world.order(lifecycle, { currency });
}

/** Seals an event as the gateway sends it to this merchant and posts it; the answer must be 200. */
async function post(app: FastifyInstance, event: GatewayEvent) {
  const request = signedRequest(paypalIpn, {
    body: paypalIpn.payTo?.(event.body, MERCHANT) ?? event.body,
    eventId: event.eventId,
    secrets: [MERCHANT],
    timestamp: 0,
    gatewayKey: KEY,
  });
  const response = await app.inject({
    method: 'POST',
    url: '/webhooks/paypal-ipn',
    headers: request.headers,
    payload: Buffer.from(request.body),
  });
  expect(response.statusCode).toBe(200);
}

async function play(family: FamilyId, order: WorldOrder, deliveries?: (events: GatewayEvent[]) => GatewayEvent[]) {
  const { app, dbFile } = await paypalReceiver();
  expect(
    (await putOrder(app, order.orderId, formatMinor(order.amountMinor, order.currency), order.currency)).statusCode,
  ).toBeLessThan(300);
  const events = eventsOf(withFamily(family), order);
  for (const event of deliveries?.(events) ?? events) await post(app, event);
  await app.inbox.drain();
  const expected = toOrderView(
    deriveOrderState(
      order,
      events.map((e) => e.fact),
    ),
  );
  return { app, dbFile, events, expected, actual: (await getOrder(app, order.orderId)).body };
}

test.each([
  ['subscription', 'subscription-renewed', 'active', 2],
  ['subscription', 'subscription-activated', 'active', 1],
  ['subscription', 'subscription-past-due', 'past_due', 1],
  ['subscription', 'subscription-canceled', 'canceled', 1],
  ['recurring_payment', 'subscription-renewed', 'active', 2],
  ['recurring_payment', 'subscription-past-due', 'past_due', 1],
  ['recurring_payment', 'subscription-canceled', 'canceled', 1],
  ['cart', 'paid', 'paid', 1],
  ['cart', 'failed-then-paid', 'paid', 1],
  ['cart', 'partially-refunded', 'partially_refunded', 1],
] as const)(
  'the %s family playing %s is VERIFIED and ends %s, as the rule says',
  async (family, lifecycle, status, n) => {
    const { actual, expected } = await play(family, orderOf(lifecycle));
    expect(actual).toMatchObject({ ...expected, status, fulfillments: n });
  },
);

test('each subscr_payment is credited once under its own txn_id, and a redelivered one is not credited again', async () => {
  const order = orderOf('subscription-renewed');
  const { actual, dbFile, events } = await play('subscription', order, (all) => [...all, ...all.slice(1)]);
  expect(actual).toMatchObject({
    status: 'active',
    fulfillments: 2,
    amountPaid: formatMinor(2 * order.amountMinor, 'USD'),
  });
  const txnIds = events.slice(1).map((e) => e.fact.invoice?.id);
  expect(readTables(dbFile).effects.map((e) => e.key)).toEqual(
    txnIds.map((id) => `fulfillment:${order.orderId}:${id}`).sort(),
  );
});

test('Pending → Completed → Pending → Completed of one subscr_payment, redelivered stale, credits that period once', async () => {
  const order = orderOf('subscription-renewed', 'EUR');
  const { actual } = await play('subscription', order, (all) => {
    const [signup, pending, completed, next] = all;
    if (signup === undefined || pending === undefined || completed === undefined || next === undefined) return all;
    return [signup, pending, completed, pending, completed, next];
  });
  expect(actual).toMatchObject({ status: 'active', fulfillments: 2 });
});

test('a cart redelivered after its Completed is one payment, fulfilled once', async () => {
  const { actual } = await play('cart', orderOf('paid'), (all) => [...all, ...all]);
  expect(actual).toMatchObject({ status: 'paid', fulfillments: 1 });
});
