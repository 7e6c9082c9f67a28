import { expect, test } from 'vitest';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { eventsOf } from '../../simulator/events.js';
import { createRandom } from '../../simulator/random.js';
import { canPlay, createWorld, lifecycleKinds } from '../../simulator/world.js';
import { eventTypeOf } from '../fixtures/flawed-receiver/event-fields.js';
import { failures, runAgainstFlaw } from '../support/flawed-run.js';

/**
 * compat.unhandled-events: genuine events for an order the receiver never created, and events without the field it
 * finds its order by, must be acknowledged and change nothing. A receiver that refuses them fails this guarantee
 * alone, for every signature scheme; the correct receiver passes.
 */
const signatureProviders = (Object.keys(providers) as ProviderId[]).filter(
  (id) => providers[id].authentication === 'signature',
);

test.each(signatureProviders)(
  '%s: the receiver that refuses events it cannot use fails compat.unhandled-events alone; the correct one passes',
  async (id) => {
    const sound = await runAgainstFlaw(id, 'none', { only: ['compat.unhandled-events'] });
    expect(failures(sound)).toEqual({});
    expect(sound.results.map((r) => [r.guarantee, r.status])).toEqual([['compat.unhandled-events', 'pass']]);

    const flawed = await runAgainstFlaw(id, 'refuses-unknown-orders', { only: ['compat.unhandled-events'] });
    expect(failures(flawed)).toEqual({ 'compat.unhandled-events': 'answer.refused-genuine' });
    const problems = flawed.results.flatMap((r) => r.findings.map((f) => f.problem));
    expect(problems.some((p) => /\(an order the receiver does not know\) was refused with 404/.test(p))).toBe(true);
    // Where the gateway can send an event without its reference field, that one is refused too, and named.
    const path = providers[id].orderIdField;
    const stripped = problems.filter((p) => p.includes(`(without ${path}) was refused with 400`));
    // Shopify and X carry the order elsewhere than a JSON path; Adyen always sends merchantReference.
    if (['shopify', 'x', 'adyen'].includes(id)) expect(stripped).toEqual([]);
    else expect(stripped.length).toBeGreaterThan(0);
  },
);

test('Stripe: two events each for an unknown order, without the reference and as customer.created; the two orders made from them stay as created', async () => {
  const report = await runAgainstFlaw('stripe', 'none', { only: ['compat.unhandled-events'] });
  expect(report.results[0]?.summary).toMatch(/^6 deliveries over 2 orders: every answer and every order as expected/);
});

test.each(['stripe', 'paddle', 'square', 'paypal-rest', 'razorpay', 'standard-webhooks'] as const)(
  '%s: a receiver that answers 400 to event types it does not handle fails compat.unhandled-events alone, naming the type',
  async (id) => {
    const provider = providers[id];
    // It handles every type the run's payments use, and no other.
    const world = createWorld({ random: createRandom(1), runId: 'types', startSeconds: 1_800_000_000 });
    const handled = [
      ...new Set(
        lifecycleKinds
          .filter((kind) => canPlay(provider, kind))
          .flatMap((kind) => eventsOf(provider, world.order(kind)))
          .map((event) => eventTypeOf(id, JSON.parse(Buffer.from(event.body).toString('utf8')), {}) ?? ''),
      ),
    ];
    expect(handled).not.toContain(provider.unhandledEventType?.value);
    const report = await runAgainstFlaw(id, 'unsupported-event-type-400', { receiver: { handledEventTypes: handled } });
    expect(failures(report)).toEqual({ 'compat.unhandled-events': 'answer.refused-genuine' });
    const problems = report.results.flatMap((r) => r.findings.map((f) => f.problem));
    expect(problems.every((p) => p.includes(`(type ${provider.unhandledEventType?.value}) was refused with 400`))).toBe(
      true,
    );
  },
);
