import type { FastifyInstance } from 'fastify';
import { expect, test } from 'vitest';
import { deriveOrderState, toOrderView } from '../../contracts/lifecycle.js';
import { formatMinor } from '../../contracts/money.js';
import type { SubscriptionStep } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { stripeFamilies } from '../../contracts/providers/stripe.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { canPlay, type WorldOrder } from '../../simulator/world.js';
import { familyIds, orderOf, withFamily, worldOrders } from '../contracts/stripe-family-fixtures.js';
import { getOrder, postSigned, putOrder, readTables, receiverFixture } from './receiver-fixture.js';

/** The reference receiver fed each Stripe family's events: it ends where the lifecycle and subscription rules say. */
const stripe = providers.stripe;

async function open(app: FastifyInstance, order: WorldOrder) {
  const response = await putOrder(app, order.orderId, formatMinor(order.amountMinor, order.currency), order.currency);
  expect(response.statusCode).toBeLessThan(300);
}

async function send(app: FastifyInstance, events: readonly GatewayEvent[]) {
  for (const event of events) {
    const response = await postSigned(app, stripe, { body: event.body, eventId: event.eventId });
    expect({ type: event.type, status: response.statusCode }).toEqual({ type: event.type, status: 200 });
    await app.inbox.drain();
  }
}

const byType = (events: readonly GatewayEvent[], type: string) => events.filter((e) => e.type === type);

test.each(familyIds)('the %s family: every lifecycle it plays ends in the state the rules give', async (id) => {
  const provider = withFamily(id);
  const { app } = await receiverFixture();
  const orders = worldOrders(13, `r${id.slice(0, 3)}`).orders.filter((o) => canPlay(provider, o.lifecycle));
  for (const order of orders) {
    const events = eventsOf(provider, order);
    await open(app, order);
    await send(app, events);
    const expected = toOrderView(
      deriveOrderState(
        order,
        events.map((e) => e.fact),
      ),
    );
    expect({ kind: order.lifecycle, order: (await getOrder(app, order.orderId)).body }).toEqual({
      kind: order.lifecycle,
      order: expected,
    });
  }
});

test('invoice.paid and invoice.payment_succeeded of one invoice credit it once, redelivered or not', async () => {
  const { app, dbFile } = await receiverFixture();
  const order = orderOf(worldOrders(14).orders, 'subscription-canceled');
  const events = eventsOf(withFamily('subscription'), order);
  await open(app, order);
  const paid = [...byType(events, 'invoice.paid'), ...byType(events, 'invoice.payment_succeeded')];
  expect(paid).toHaveLength(2);
  await send(app, [...byType(events, 'customer.subscription.created'), ...paid, ...paid]);

  expect((await getOrder(app, order.orderId)).body).toMatchObject({
    status: 'active',
    fulfillments: 1,
    amountPaid: formatMinor(order.amountMinor, order.currency),
  });
  expect(readTables(dbFile).effects.filter((e) => e.kind === 'fulfillment')).toHaveLength(1);
});

test('two invoices of one subscription are two credits', async () => {
  const { app, dbFile } = await receiverFixture();
  const order = orderOf(worldOrders(15).orders, 'subscription-renewed');
  await open(app, order);
  await send(app, eventsOf(withFamily('subscription'), order));
  expect((await getOrder(app, order.orderId)).body).toMatchObject({
    status: 'active',
    fulfillments: 2,
    amountPaid: formatMinor(2 * order.amountMinor, order.currency),
  });
  expect(readTables(dbFile).effects.filter((e) => e.kind === 'fulfillment')).toHaveLength(2);
});

test('customer.subscription.updated delivered before .created still ends active', async () => {
  const { app } = await receiverFixture();
  const order = orderOf(worldOrders(16).orders, 'subscription-activated');
  const events = eventsOf(withFamily('subscription'), order);
  const [created] = byType(events, 'customer.subscription.created');
  const [updated] = byType(events, 'customer.subscription.updated');
  expect([created?.fact.subscription?.status, updated?.fact.subscription?.status]).toEqual(['incomplete', 'active']);
  await open(app, order);
  await send(
    app,
    [updated, created].filter((e) => e !== undefined),
  );
  expect((await getOrder(app, order.orderId)).body).toMatchObject({ status: 'active' });
});

test('a stale customer.subscription.updated arriving after .deleted leaves it canceled', async () => {
  const { app } = await receiverFixture();
  const order = orderOf(worldOrders(17).orders, 'subscription-canceled');
  const subscription = withFamily('subscription');
  const events = eventsOf(subscription, order);
  const [deleted] = byType(events, 'customer.subscription.deleted');
  const created = order.steps[0] as SubscriptionStep;
  // An update the gateway made before the cancellation, delivered late (Stripe does not order its deliveries).
  const stale: SubscriptionStep = {
    ...created,
    eventKey: `${created.eventKey}late`,
    status: 'past_due',
    first: false,
    createdAt: (deleted?.createdAt ?? 0) - 1,
  };
  const [late] = stripeFamilies.subscription.buildEvents(stale, [created]) ?? [];
  expect(late?.event.type).toBe('customer.subscription.updated');
  await open(app, order);
  await send(app, events);
  const body = stripe.encode(late?.event);
  expect((await postSigned(app, stripe, { body, eventId: late?.eventId ?? '' })).statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, order.orderId)).body).toMatchObject({ status: 'canceled', fulfillments: 1 });
});
