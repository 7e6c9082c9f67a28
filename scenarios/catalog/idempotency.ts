import type { GatewayEvent } from '../../simulator/events.js';
import { eventsOf } from '../../simulator/events.js';
import { concurrentCopies, resignedCopy, sequentialCopies } from '../../simulator/faults/duplicate.js';
import type { PlanStep, SigningContext } from '../../simulator/plan.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { defineScenario, everyProvider, type ScenarioContext, type ScenarioPlan } from '../define.js';
import { lifecyclesFor } from './helpers.js';

/** Lifecycles with every kind of side effect: a fulfillment, a retried payment, two refunds. */
const lifecycles: readonly LifecycleKind[] = [
  'paid',
  'failed-then-paid',
  'refunded-in-two-parts',
  'subscription-renewed',
];

function duplicated(
  ctx: ScenarioContext,
  name: string,
  copy: (signing: SigningContext, event: GatewayEvent) => PlanStep[],
): ScenarioPlan {
  const orders = lifecyclesFor(ctx.provider, lifecycles).map((kind) => ctx.world.order(kind));
  const events = orders.flatMap((order) => eventsOf(ctx.provider, order));
  return {
    orders,
    phases: [{ name, steps: events.flatMap((event) => copy(ctx.signing, event)), applied: events }],
  };
}

export const SEQUENTIAL_COPIES = 3;
export const CONCURRENT_COPIES = 8;

export const idemSequential = defineScenario({
  guarantee: 'idem.sequential',
  diagnosis:
    "Record each event under the provider's event id in the same transaction as its effect (or before it), and make " +
    'a repeated id a no-op that still answers 2xx.',
  appliesTo: everyProvider,
  plan: (ctx) =>
    duplicated(ctx, `every event delivered ${SEQUENTIAL_COPIES} times in a row`, (signing, event) =>
      sequentialCopies(signing, event, SEQUENTIAL_COPIES),
    ),
});

export const idemConcurrent = defineScenario({
  guarantee: 'idem.concurrent',
  dependsOn: ['idem.sequential'],
  diagnosis:
    'A check ("seen this id?") followed by an insert is a race: use a unique constraint and INSERT … ON CONFLICT DO ' +
    'NOTHING (or a transaction that serializes), so concurrent copies cannot all pass the check.',
  appliesTo: everyProvider,
  plan: (ctx) =>
    duplicated(ctx, `every event delivered as ${CONCURRENT_COPIES} concurrent copies`, (signing, event) =>
      concurrentCopies(signing, event, CONCURRENT_COPIES),
    ),
});

export const idemResigned = defineScenario({
  guarantee: 'idem.resigned',
  dependsOn: ['idem.sequential'],
  diagnosis:
    "Deduplicate on the provider's event identity, never on the signature, timestamp or delivery id: a re-sent event " +
    'carries a new signature.',
  // Without a signature there is nothing to re-sign: a PayPal resend is byte-identical (idem.sequential).
  appliesTo: (provider) => provider.authentication === 'signature',
  plan: (ctx) => duplicated(ctx, 'every event delivered, then re-signed and delivered again', resignedCopy),
});
