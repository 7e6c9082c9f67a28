import { expect, test } from 'vitest';
import { deriveOrderState, type LifecycleFact, toOrderView } from '../../contracts/lifecycle.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { type StripeEvent, stripe } from '../../contracts/providers/stripe.js';
import {
  allProviders,
  deliver,
  getOrder,
  NOW_SECONDS,
  postSigned,
  putOrder,
  readTables,
  receiverFixture,
  step,
} from './receiver-fixture.js';

for (const { title, provider } of allProviders) {
  test(`a ${title} duplicate is acknowledged as such and applied once`, async () => {
    const { app, dbFile } = await receiverFixture();
    await putOrder(app, 'order-dup');
    const paid = step('order-dup', 'succeeded');

    const first = await deliver(app, provider, paid);
    const second = await deliver(app, provider, paid);
    expect(second.statusCode).toBe(200);
    // A gateway that expects a fixed answer (Adyen `[accepted]`) gets it for both; the tables below tell them apart.
    if (provider.acknowledgement === undefined) {
      expect(first.json()).toEqual({ received: true, duplicate: false });
      expect(second.json()).toEqual({ received: true, duplicate: true });
    } else {
      expect([first.body, second.body]).toEqual([provider.acknowledgement.body, provider.acknowledgement.body]);
    }

    await app.inbox.drain();
    expect((await getOrder(app, 'order-dup')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
    const tables = readTables(dbFile);
    expect(tables.inbox).toHaveLength(1);
    expect(tables.facts).toBe(1);
  });

  test(`${title} events delivered newest first end in the state the lifecycle rule gives`, async () => {
    const { app } = await receiverFixture();
    await putOrder(app, 'order-late');
    const steps: PaymentStep[] = [
      step('order-late', 'pending', { createdAt: NOW_SECONDS - 30 }),
      step('order-late', 'failed', { createdAt: NOW_SECONDS - 20 }),
      step('order-late', 'pending', { createdAt: NOW_SECONDS - 10, paymentKey: 'retry' }),
      step('order-late', 'failed', { createdAt: NOW_SECONDS - 5, paymentKey: 'retry' }),
    ];

    for (const s of [...steps].reverse()) {
      await deliver(app, provider, s);
      await app.inbox.drain();
    }

    const facts = steps.map((s) => {
      const { event, eventId } = provider.buildEvent(s);
      return provider.toFact(event, eventId) as LifecycleFact;
    });
    const expected = toOrderView(
      deriveOrderState({ orderId: 'order-late', amountMinor: 5000, currency: 'USD' }, facts),
    );
    const order = await getOrder(app, 'order-late');
    expect(order.body).toEqual(expected);
    expect(order.body.status).toBe('failed');
  });

  test(`a stale ${title} pending event never moves a paid order back`, async () => {
    const { app } = await receiverFixture();
    await putOrder(app, 'order-stale');
    await deliver(app, provider, step('order-stale', 'succeeded', { createdAt: NOW_SECONDS - 10 }));
    await app.inbox.drain();
    await deliver(app, provider, step('order-stale', 'pending', { createdAt: NOW_SECONDS - 50 }));
    await app.inbox.drain();

    expect((await getOrder(app, 'order-stale')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
  });

  test(`a ${title} payment of the wrong amount flags the order and fulfils nothing`, async () => {
    const { app, dbFile } = await receiverFixture();
    await putOrder(app, 'order-short');
    await deliver(app, provider, step('order-short', 'succeeded', { amountMinor: 4999 }));
    await app.inbox.drain();

    expect((await getOrder(app, 'order-short')).body).toMatchObject({
      status: 'flagged',
      amountPaid: '0.00',
      fulfillments: 0,
    });
    expect(readTables(dbFile).effects).toEqual([]);
  });

  // Only providers whose refund events name the order (Paddle's and Shopify's name only their own ids).
  if (provider.factKinds.includes('refunded')) {
    test(`a partial then a full ${title} refund make two refunds and a refunded order`, async () => {
      const { app, dbFile } = await receiverFixture();
      await putOrder(app, 'order-ref');
      await deliver(app, provider, step('order-ref', 'succeeded', { createdAt: NOW_SECONDS - 30 }));
      await app.inbox.drain();
      await deliver(
        app,
        provider,
        step('order-ref', 'refunded', {
          createdAt: NOW_SECONDS - 20,
          refund: { key: 'r1', amountMinor: 2000, cumulativeMinor: 2000 },
        }),
      );
      await app.inbox.drain();
      expect((await getOrder(app, 'order-ref')).body).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: '20.00',
        refunds: 1,
      });

      await deliver(
        app,
        provider,
        step('order-ref', 'refunded', {
          createdAt: NOW_SECONDS - 10,
          refund: { key: 'r2', amountMinor: 3000, cumulativeMinor: 5000 },
        }),
      );
      await app.inbox.drain();
      expect((await getOrder(app, 'order-ref')).body).toMatchObject({
        status: 'refunded',
        amountPaid: '50.00',
        amountRefunded: '50.00',
        fulfillments: 1,
        refunds: 2,
      });
      expect(readTables(dbFile).effects.map((e) => e.kind)).toEqual(['fulfillment', 'refund', 'refund']);
    });
  }

  test(`a ${title} payment that arrives before its order is applied when the order is created`, async () => {
    const { app } = await receiverFixture();
    await deliver(app, provider, step('order-early', 'succeeded'));
    await app.inbox.drain();
    expect((await getOrder(app, 'order-early')).status).toBe(404);

    const created = await putOrder(app, 'order-early');
    expect(created.statusCode).toBe(201);
    expect((await getOrder(app, 'order-early')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
  });
}

test('an event type nobody models is acknowledged and ignored, not dead-lettered', async () => {
  const { app, dbFile } = await receiverFixture();
  const { event } = stripe.buildEvent(step('order-x', 'succeeded'));
  const other = { ...event, id: 'evt_customer', type: 'customer.created', data: { object: { id: 'cus_1' } } };

  const response = await postSigned(app, providers.stripe, {
    body: stripe.encode(other as unknown as StripeEvent),
    eventId: 'evt_customer',
  });
  expect(response.json()).toEqual({ received: true, duplicate: false });
  await app.inbox.drain();
  const tables = readTables(dbFile);
  expect(tables.inbox).toMatchObject([{ event_id: 'evt_customer', state: 'done' }]);
  expect(tables.deadLetters).toEqual([]);
  expect(tables.facts).toBe(0);
});

test('an event of a known type that fails the event schema goes to dead letters', async () => {
  const { app, dbFile } = await receiverFixture();
  const { event, eventId } = stripe.buildEvent(step('order-x', 'succeeded'));
  const broken = { ...event, data: { object: { ...event.data.object, metadata: {} } } };

  const response = await postSigned(app, providers.stripe, {
    body: stripe.encode(broken as StripeEvent),
    eventId,
  });
  expect(response.json()).toEqual({ received: true, duplicate: false });
  await app.inbox.drain();
  const tables = readTables(dbFile);
  expect(tables.inbox).toMatchObject([{ event_id: eventId, state: 'dead' }]);
  expect(tables.deadLetters).toMatchObject([{ provider: 'stripe', event_id: eventId }]);
  expect(tables.deadLetters[0]?.reason).toContain('metadata');
});
