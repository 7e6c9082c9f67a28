import { expect, test } from 'vitest';
import { deriveOrderState, toOrderView } from '../../contracts/lifecycle.js';
import { formatMinor } from '../../contracts/money.js';
import type { Provider } from '../../contracts/provider.js';
import { paddle, paddleFamilies } from '../../contracts/providers/paddle.js';
import { standardWebhooks, standardWebhooksFamilies } from '../../contracts/providers/standard-webhooks.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, type WorldOrder } from '../../simulator/world.js';
import { getOrder, postSigned, putOrder, readTables, receiverFixture } from './receiver-fixture.js';

/** The reference receiver against the Paddle Billing and Standard Webhooks subscription families (signed offline). */
const families: readonly (readonly [string, Provider])[] = [
  ['Paddle Billing', { ...paddle, families: paddleFamilies } as Provider],
  ['Standard Webhooks', { ...standardWebhooks, families: standardWebhooksFamilies } as Provider],
];

let orders = 0;
function orderOf(lifecycle: LifecycleKind): WorldOrder {
  orders += 1;
  const world = createWorld({ random: createRandom(orders), runId: `sf${orders}`, startSeconds: 1_749_990_000 });
  return world.order(lifecycle, { currency: 'USD' });
}

async function play(provider: Provider, order: WorldOrder, deliveries?: (events: GatewayEvent[]) => GatewayEvent[]) {
  const { app, dbFile } = await receiverFixture();
  await putOrder(app, order.orderId, formatMinor(order.amountMinor, order.currency), order.currency);
  const events = eventsOf(provider, order);
  for (const event of deliveries?.(events) ?? events) {
    expect((await postSigned(app, provider, { body: event.body, eventId: event.eventId })).statusCode).toBe(200);
  }
  await app.inbox.drain();
  const expected = toOrderView(
    deriveOrderState(
      order,
      events.map((e) => e.fact),
    ),
  );
  return { dbFile, events, expected, actual: (await getOrder(app, order.orderId)).body };
}

for (const [title, provider] of families) {
  test.each([
    ['subscription-renewed', 'active', 2],
    ['subscription-activated', 'active', 1],
    ['subscription-past-due', 'past_due', 1],
    ['subscription-canceled', 'canceled', 1],
  ] as const)(`${title}: %s ends %s with the rule's credits`, async (lifecycle, status, fulfillments) => {
    const { actual, expected } = await play(provider, orderOf(lifecycle));
    expect(actual).toMatchObject({ ...expected, status, fulfillments });
  });

  test(`${title}: each paid invoice is credited once, a redelivered one and a stale update after the cancellation change nothing`, async () => {
    const order = orderOf('subscription-canceled');
    const { actual, dbFile, events } = await play(provider, order, (all) => [...all, ...all.slice(0, 2).reverse()]);
    expect(actual).toMatchObject({
      status: 'canceled',
      fulfillments: 1,
      amountPaid: formatMinor(order.amountMinor, 'USD'),
    });
    const invoice = events.find((e) => e.fact.kind === 'invoice_paid')?.fact.invoice?.id;
    expect(readTables(dbFile).effects.map((e) => e.key)).toEqual([`fulfillment:${order.orderId}:${invoice}`]);
  });
}
