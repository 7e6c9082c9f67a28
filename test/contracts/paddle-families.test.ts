import { Environment, Paddle } from '@paddle/paddle-node-sdk';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { deriveOrderState } from '../../contracts/lifecycle.js';
import { type Provider, signedRequest } from '../../contracts/provider.js';
import { type PaddleEvent, paddle, paddleFamilies } from '../../contracts/providers/paddle.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, type WorldOrder } from '../../simulator/world.js';

const provider = { ...paddle, families: paddleFamilies } as Provider;
const secret = paddle.secret.generate(new Uint8Array(32).fill(5));
const library = new Paddle('pdl_sdbx_apikey_01xfamily', { environment: Environment.sandbox }).webhooks;

function orderOf(lifecycle: LifecycleKind, seed = 4): WorldOrder {
  return createWorld({ random: createRandom(seed), runId: 'pd', startSeconds: 1_800_000_000 }).order(lifecycle, {
    currency: 'EUR',
  });
}

const parsed = (body: Uint8Array) => JSON.parse(fromUtf8(body)) as PaddleEvent;
const typeOf = (event: { body: Uint8Array }) => parsed(event.body).event_type;

afterEach(() => {
  vi.useRealTimers();
});

describe.each([
  ['subscription-renewed', ['subscription.created', 'transaction.completed', 'transaction.completed'], 'active', 2],
  ['subscription-activated', ['subscription.created', 'transaction.completed', 'subscription.activated'], 'active', 1],
  [
    'subscription-past-due',
    ['subscription.created', 'transaction.completed', 'transaction.payment_failed', 'subscription.past_due'],
    'past_due',
    1,
  ],
  ['subscription-canceled', ['subscription.created', 'transaction.completed', 'subscription.canceled'], 'canceled', 1],
] as const)('the Paddle subscription family plays %s', (lifecycle, types, status, fulfillments) => {
  const order = orderOf(lifecycle);
  const events = eventsOf(provider, order);

  test(`as ${types.join(' → ')}, ending ${status}`, () => {
    expect(events.map(typeOf)).toEqual(types);
    expect(
      deriveOrderState(
        order,
        events.map((e) => e.fact),
      ),
    ).toMatchObject({ status, fulfillments });
  });

  test('every event passes the envelope and event schemas and gives back its fact from its bytes', () => {
    for (const event of events) {
      const json = parsed(event.body);
      expect(paddle.envelopeSchema.safeParse(json).success).toBe(true);
      const checked = paddle.eventSchema.safeParse(json);
      expect(checked.success).toBe(true);
      expect(paddle.toFact(checked.data as PaddleEvent, event.eventId)).toEqual(event.fact);
    }
  });

  test('@paddle/paddle-node-sdk verifies each one and parses it into the event it names, with the order reference', async () => {
    const now = events.at(-1)?.createdAt ?? 0;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now * 1000);
    for (const event of events) {
      const request = signedRequest(paddle, {
        body: event.body,
        eventId: event.eventId,
        secrets: [secret],
        timestamp: now,
      });
      const sdk = await library.unmarshal(fromUtf8(event.body), secret, request.headers['paddle-signature'] ?? '');
      expect(sdk.eventType).toBe(typeOf(event));
      expect(sdk.eventId).toBe(event.eventId);
      expect(sdk.data).toMatchObject({ customData: { order_id: order.orderId } });
      if (typeOf(event).startsWith('transaction.'))
        expect(sdk.data).toMatchObject({ subscriptionId: expect.stringMatching(/^sub_01/) });
      else
        expect(sdk.data).toMatchObject({
          id: expect.stringMatching(/^sub_01/),
          billingCycle: { interval: 'month', frequency: 1 },
        });
    }
  });
});

test("a subscription's transactions are its invoices: each completed one credited once under its own id", () => {
  const order = orderOf('subscription-renewed');
  const events = eventsOf(provider, order);
  const invoices = events.filter((e) => e.fact.kind === 'invoice_paid');
  const ids = invoices.map((e) => (parsed(e.body).data as { id: string }).id);
  expect(invoices.map((e) => e.fact.invoice?.id)).toEqual(ids);
  expect(new Set(ids).size).toBe(2);
  expect(invoices.map((e) => (parsed(e.body).data as { origin: string }).origin)).toEqual([
    'web',
    'subscription_recurring',
  ]);
  // The same events delivered twice credit nothing more: ids are the events' own.
  expect(
    deriveOrderState(
      order,
      [...events, ...events].map((e) => e.fact),
    ),
  ).toMatchObject({ fulfillments: 2 });
});

test('a one-off transaction is still a payment, not an invoice', () => {
  const [completed] = eventsOf(provider, orderOf('paid-directly'));
  expect(typeOf(completed ?? { body: new Uint8Array() })).toBe('transaction.completed');
  expect(completed?.fact.kind).toBe('succeeded');
  expect((parsed(completed?.body ?? new Uint8Array()).data as { subscription_id: unknown }).subscription_id).toBeNull();
});

test('a subscription in a status not modelled (paused), or without an order id, is valid and moves no order', () => {
  const [created] = eventsOf(provider, orderOf('subscription-canceled'));
  const event = parsed(created?.body ?? new Uint8Array()) as PaddleEvent & { data: Record<string, unknown> };
  const paused = { ...event, data: { ...event.data, status: 'paused' } } as PaddleEvent;
  const foreign = { ...event, data: { ...event.data, custom_data: null } } as PaddleEvent;
  for (const variant of [paused, foreign]) {
    expect(paddle.eventSchema.safeParse(variant).success).toBe(true);
    expect(paddle.toFact(variant, 'evt_x')).toBeNull();
  }
});
