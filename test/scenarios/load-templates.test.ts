import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { PaymentStep, Provider } from '../../contracts/provider.js';
import { isPaymentStep, signedRequest } from '../../contracts/provider.js';
import { type ProviderId, providerIds, providers } from '../../contracts/providers/index.js';
import { createLoadPlan, FORGED, type LoadPlan } from '../../scenarios/load/plan.js';
import { learnTemplate, renderTemplate } from '../../scenarios/load/templates.js';
import { createRandom } from '../../simulator/random.js';
import { canPlay, createWorld, lifecycleKinds } from '../../simulator/world.js';

const NOW_MS = 1_780_000_000_000;
const NOW_SECONDS = NOW_MS / 1000;
const RUN_ID = 'tpl1';
const secretOf = (provider: Provider) => provider.secret.generate(new Uint8Array(32).fill(7));

function planFor(provider: Provider, seed: number, orders: number): LoadPlan {
  return createLoadPlan({
    provider,
    secret: secretOf(provider),
    seed,
    runId: RUN_ID,
    orders,
    events: Number.MAX_SAFE_INTEGER,
    duplicatePercent: 10,
    forgedPercent: 5,
    clock: () => NOW_MS,
  });
}

/** The builder's events for the seed, in plan order: the world replayed as the plan draws it, built and encoded. */
function builtEvents(provider: Provider, seed: number, orders: number): { eventId: string; body: Uint8Array }[] {
  const random = createRandom(seed);
  const world = createWorld({ random: random.fork('world'), runId: RUN_ID, startSeconds: NOW_SECONDS - 3_600 });
  const lifecycles = random.fork('lifecycles');
  const playable = lifecycleKinds.filter((kind) => canPlay({ factKinds: provider.factKinds }, kind));
  const events: { eventId: string; body: Uint8Array }[] = [];
  for (let i = 0; i < orders; i += 1) {
    for (const step of world.order(lifecycles.pick(playable)).steps) {
      if (!isPaymentStep(step)) throw new Error(`not a payment step: ${step.kind}`);
      const { event, eventId } = provider.buildEvent(step);
      events.push({ eventId, body: provider.encode(event) });
    }
  }
  return events;
}

const text = (request: { headers: Readonly<Record<string, string>>; body: Uint8Array }) =>
  `${JSON.stringify(request.headers)}\n${Buffer.from(request.body).toString('utf8')}`;

/**
 * Each genuine delivery and duplicate the plan sends (headers and body, signed at one second), beside the request
 * the builder's bytes of the same event give, signed for the same delivery.
 */
function sentAndBuilt(provider: Provider, plan: LoadPlan, built: readonly { eventId: string; body: Uint8Array }[]) {
  const sent: string[] = [];
  const expected: string[] = [];
  const source = plan.deliveries();
  for (let planned = source.next(); planned !== null; planned = source.next()) {
    if (planned.kind >= FORGED) continue;
    const event = built[planned.event];
    if (event === undefined) throw new Error(`the builder has no event ${planned.event}`);
    sent.push(text(planned.delivery.sign(NOW_SECONDS).request));
    const request = signedRequest(provider, {
      ...event,
      deliveryId: planned.delivery.id,
      secrets: [secretOf(provider)],
      timestamp: NOW_SECONDS,
    });
    expected.push(text(request));
  }
  return { sent, expected };
}

test('every provider load supports sends, for any seed, the request its builder gives for each event and duplicate', () => {
  fc.assert(
    fc.property(fc.constantFrom(...providerIds), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (id: ProviderId, seed) => {
      const provider = providers[id];
      const plan = planFor(provider, seed, 12);
      const { sent, expected } = sentAndBuilt(provider, plan, builtEvents(provider, seed, 12));
      expect(sent.length).toBeGreaterThanOrEqual(plan.table.events);
      expect(sent).toEqual(expected);
    }),
    { numRuns: 60, seed: 14 },
  );
});

test('Stripe and Standard Webhooks bodies all come from templates, so the test above compares templated bytes', () => {
  for (const id of ['stripe', 'standard-webhooks'] as const) {
    const plan = planFor(providers[id], 3, 200);
    const { shapes, templated } = plan.templates.coverage();
    expect(shapes).toBeGreaterThan(4);
    expect(templated).toBe(shapes);
  }
});

/** Stripe, except that its event id is the step's key reversed: a value no slot of a template can write. */
const reversedIds: Provider = {
  ...providers.stripe,
  buildEvent(step) {
    const built = providers.stripe.buildEvent(step as PaymentStep);
    const eventId = `evt_${[...step.eventKey].reverse().join('')}`;
    return { event: { ...(built.event as object), id: eventId }, eventId };
  },
};

test('a provider that derives a value the slots cannot write gets no template, and its bytes stay the builder’s', () => {
  const step = planFor(reversedIds, 5, 1).table.step(0);
  const template = learnTemplate(reversedIds, step);
  expect(template).not.toBeNull();
  // The template, learnt from sentinel values, writes the reversed sentinel where this event's reversed key belongs.
  const built = Buffer.from(reversedIds.encode(reversedIds.buildEvent(step).event)).toString('utf8');
  expect(Buffer.from(renderTemplate(template ?? { fixed: [], slots: [] }, step)).toString('utf8')).not.toBe(built);

  const plan = planFor(reversedIds, 5, 30);
  expect(plan.templates.coverage()).toMatchObject({ templated: 0 });
  const { sent, expected } = sentAndBuilt(reversedIds, plan, builtEvents(reversedIds, 5, 30));
  expect(sent).toEqual(expected);
});
