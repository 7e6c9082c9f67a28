import { expect, onTestFinished, test } from 'vitest';
import type { ReceiverProfile } from '../../contracts/profile.js';
import { ReceiverProfileSchema } from '../../contracts/profile.js';
import { providers } from '../../contracts/providers/index.js';
import { applyProfile } from '../../scenarios/profile.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { canPlay, createWorld } from '../../simulator/world.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(9));

async function run(flaw: Flaw | 'none', profile?: ReceiverProfile, statusWords?: Record<string, string>) {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  if (statusWords !== undefined) {
    // The receiver's probe answers in its own words: the profile maps them back.
    app.addHook('onSend', async (request, _reply, payload) => {
      if (!request.url.startsWith('/ipn-probe/orders/') || typeof payload !== 'string') return payload;
      const order = JSON.parse(payload) as { status?: string };
      const word = Object.entries(statusWords).find(([, status]) => status === order.status)?.[0];
      return JSON.stringify(word === undefined ? order : { ...order, status: word });
    });
  }
  const base = await listenOnLoopback(app);
  onTestFinished(() => app.close());
  return runGauntlet({
    target: `${base}/webhooks/stripe`,
    probe: `${base}/ipn-probe`,
    provider: providers.stripe,
    secret,
    seed: 3,
    runId: 'prof',
    ...(profile === undefined ? {} : { profile }),
    replayCommand: (g) => g,
  });
}

test('a receiver that ignores refunds fails the baseline, and passes when its profile models successful payments only', async () => {
  const ignoring = await run('ignores-refunds' as Flaw);
  expect(ignoring.results.find((v) => v.guarantee === 'baseline.applied')?.status).toBe('fail');
  const profiled = await run('ignores-refunds' as Flaw, { facts: ['succeeded'] });
  expect(profiled.results.filter((v) => v.status !== 'pass').map((v) => `${v.guarantee}: ${v.summary}`)).toEqual([]);
  expect(profiled.profile).toContain('facts succeeded');
}, 60_000);

test('with only successful payments modelled, nothing but successes is sent', () => {
  const provider = applyProfile(providers.stripe, { facts: ['succeeded'] });
  expect(canPlay(provider, 'paid')).toBe(false);
  expect(canPlay(provider, 'paid-directly')).toBe(true);
  const world = createWorld({ random: createRandom(1), runId: 'p', startSeconds: 1_800_000_000 });
  expect(eventsOf(provider, world.order('paid-directly')).map((e) => e.type)).toEqual(['payment_intent.succeeded']);
});

test('the order reference is written where the receiver reads it, and order ids take its form', () => {
  const provider = applyProfile(providers.stripe, { orderRef: 'data.object.metadata.orderId' });
  const world = createWorld({ random: createRandom(1), runId: 'p', startSeconds: 1_800_000_000, orderIds: 'uuid' });
  const order = world.order('paid');
  expect(order.orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(world.twin(order).orderId).toMatch(/^[0-9a-f-]{36}$/);
  expect(world.twin(order).orderId).not.toBe(order.orderId);
  const body = JSON.parse(Buffer.from(eventsOf(provider, order)[0]?.body ?? []).toString()) as {
    data: { object: { metadata: Record<string, string> } };
  };
  expect(body.data.object.metadata).toMatchObject({ orderId: order.orderId, order_id: order.orderId });
  const integers = createWorld({ random: createRandom(1), runId: 'p', startSeconds: 0, orderIds: 'integer' });
  expect(integers.order('paid').orderId).toMatch(/^\d{10}$/);
});

test('a receiver whose probe speaks its own status words passes once the profile maps them', async () => {
  const words = {
    open: 'awaiting_payment',
    processing: 'pending',
    complete: 'paid',
    refunded_partially: 'partially_refunded',
  };
  const unmapped = await run('none', undefined, words).catch((error: unknown) => error);
  expect(unmapped).toMatchObject({ code: 'IPN_ERR_PROBE_INVALID' });
  const statuses = Object.fromEntries(Object.entries(words)) as ReceiverProfile['statuses'];
  const mapped = await run('none', statuses === undefined ? {} : { statuses }, words);
  expect(mapped.results.filter((v) => v.status !== 'pass').map((v) => v.guarantee)).toEqual([]);
}, 60_000);

test('a profile naming a family the provider has not is refused with the families it has', () => {
  expect(() => applyProfile(providers.stripe, { families: ['subscriptions-typo'] })).toThrow(
    /not an event family of Stripe; its families: payment_intent/,
  );
  expect(ReceiverProfileSchema.safeParse({ orderRef: 'data..x' }).success).toBe(false);
  expect(ReceiverProfileSchema.safeParse({ facts: ['paid'] }).success).toBe(false);
});
