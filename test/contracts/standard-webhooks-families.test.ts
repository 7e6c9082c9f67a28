import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import { deriveOrderState } from '../../contracts/lifecycle.js';
import { type Provider, signedRequest } from '../../contracts/provider.js';
import {
  type StandardEvent,
  standardWebhooks,
  standardWebhooksFamilies,
} from '../../contracts/providers/standard-webhooks.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld, type LifecycleKind, type WorldOrder } from '../../simulator/world.js';

const provider = { ...standardWebhooks, families: standardWebhooksFamilies } as Provider;
const secret = standardWebhooks.secret.generate(new Uint8Array(32).fill(6));

function orderOf(lifecycle: LifecycleKind): WorldOrder {
  return createWorld({ random: createRandom(8), runId: 'sw', startSeconds: 1_800_000_000 }).order(lifecycle);
}

describe.each([
  ['subscription-renewed', ['subscription.created', 'invoice.paid', 'invoice.paid'], 'active', 2],
  ['subscription-activated', ['subscription.created', 'invoice.paid', 'subscription.updated'], 'active', 1],
  [
    'subscription-past-due',
    ['subscription.created', 'invoice.paid', 'invoice.payment_failed', 'subscription.updated'],
    'past_due',
    1,
  ],
  ['subscription-canceled', ['subscription.created', 'invoice.paid', 'subscription.canceled'], 'canceled', 1],
] as const)('the Standard Webhooks subscription flavour plays %s', (lifecycle, types, status, fulfillments) => {
  const order = orderOf(lifecycle);
  const events = eventsOf(provider, order);

  test(`as ${types.join(' → ')}, ending ${status}`, () => {
    expect(events.map((e) => e.type)).toEqual(types);
    expect(
      deriveOrderState(
        order,
        events.map((e) => e.fact),
      ),
    ).toMatchObject({ status, fulfillments });
  });

  test('the official library verifies each one, and its JSON passes the schemas and gives back its fact', () => {
    const library = new Webhook(secret);
    for (const event of events) {
      const request = signedRequest(standardWebhooks, {
        body: event.body,
        eventId: event.eventId,
        secrets: [secret],
        timestamp: Math.floor(Date.now() / 1000),
      });
      const json = library.verify(fromUtf8(event.body), request.headers) as StandardEvent;
      expect(json.data).toMatchObject({ order_id: order.orderId });
      expect(standardWebhooks.envelopeSchema.safeParse(json).success).toBe(true);
      const checked = standardWebhooks.eventSchema.safeParse(json);
      expect(checked.success).toBe(true);
      expect(standardWebhooks.toFact(checked.data as StandardEvent, event.eventId)).toEqual(event.fact);
    }
  });
});

test('an update says the status it left; a cancellation is final whatever status its body repeats', () => {
  const events = eventsOf(provider, orderOf('subscription-past-due'));
  const update = JSON.parse(fromUtf8(events.at(-1)?.body ?? new Uint8Array()));
  expect(update.data).toMatchObject({ status: 'past_due', previous_status: 'active' });
  const [created] = eventsOf(provider, orderOf('subscription-canceled'));
  const body = JSON.parse(fromUtf8(created?.body ?? new Uint8Array()));
  const canceled = { ...body, type: 'subscription.canceled' } as StandardEvent;
  expect(standardWebhooks.toFact(canceled, 'msg_x')?.subscription?.status).toBe('canceled');
});

test('a subscription in a status the sender added later is valid and moves no order', () => {
  const [created] = eventsOf(provider, orderOf('subscription-renewed'));
  const body = JSON.parse(fromUtf8(created?.body ?? new Uint8Array()));
  const paused = { ...body, data: { ...body.data, status: 'paused' } };
  expect(standardWebhooks.eventSchema.safeParse(paused).success).toBe(true);
  expect(standardWebhooks.toFact(paused as StandardEvent, 'msg_y')).toBeNull();
});
