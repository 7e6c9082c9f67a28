import fc from 'fast-check';
import type { Provider } from '../../contracts/provider.js';
import { replayOffsets } from '../../simulator/faults/forge.js';
import { malformationKinds } from '../../simulator/faults/malformed.js';
import { reformatNames } from '../../simulator/faults/reformat.js';
import { canPlay, type LifecycleKind, lifecycleKinds } from '../../simulator/world.js';
import { type Excluded, noExclusions, withoutPlanFaults } from './exclusions.js';
import { exploreForgeryNames } from './forgeries.js';
import type { ExploreOp, ExplorePlan } from './plan-model.js';
import { keepPromise } from './promise.js';

/** What the fault catalog can do for one provider: the names each kind of operation may use. */
export interface OpChoices {
  readonly provider: Provider;
  readonly lifecycles: readonly LifecycleKind[];
  readonly forgeries: readonly string[];
  readonly replays: readonly string[];
  readonly reformats: readonly string[];
  readonly malformations: readonly string[];
  readonly rotation: boolean;
}

/** What the fault catalog can do for one provider, less what is excluded. */
export function choicesFor(provider: Provider, excluded: Excluded = noExclusions): OpChoices {
  const allowed = (fault: Parameters<Excluded['faults']['has']>[0], names: readonly string[]) =>
    excluded.faults.has(fault) ? [] : names;
  return {
    provider,
    // The payment lifecycles of the provider's own events; event families (subscriptions…) wait for a receiver
    // profile that says the receiver handles them.
    lifecycles: lifecycleKinds.filter(
      (kind) => canPlay({ factKinds: provider.factKinds }, kind) && !excluded.lifecycles.has(kind),
    ),
    forgeries: allowed('forged', exploreForgeryNames(provider)),
    replays: allowed(
      'replayed',
      replayOffsets(provider).map((r) => r.name),
    ),
    reformats: allowed('reformatted', reformatNames(provider)),
    // Big and deep bodies are left to `robust.bad-input`: they slow every run without finding more.
    malformations: allowed(
      'malformed',
      malformationKinds.filter((kind) => kind !== 'oversized body' && kind !== 'deep nesting'),
    ),
    rotation: provider.multipleSignatures && !excluded.faults.has('rotated'),
  };
}

/** The size of generated plans. Small on purpose: a few orders and operations find the planted bugs and shrink fast. */
export interface PlanLimits {
  readonly maxOrders: number;
  readonly maxOps: number;
  readonly maxCopies: number;
}

export const defaultLimits: PlanLimits = { maxOrders: 3, maxOps: 8, maxCopies: 8 };

/**
 * Random explore plans for a provider. Plain deliveries come first in every choice, so shrinking (fast-check's, with
 * cross-shrinking between the kinds of operation) trades faults for plain deliveries and drops whatever it can. Every
 * plan keeps the gateway's promise (each event of each order delivered at least once, `keepPromise`), before and after
 * shrinking, and has none of the excluded faults.
 */
export function planArbitrary(
  provider: Provider,
  limits: PlanLimits = defaultLimits,
  excluded: Excluded = noExclusions,
): fc.Arbitrary<ExplorePlan> {
  const choices = choicesFor(provider, excluded);
  const order = fc.nat({ max: limits.maxOrders - 1 });
  const event = fc.nat({ max: 3 });
  const named = <K extends 'forged' | 'replayed' | 'reformatted'>(op: K, names: readonly string[]) =>
    fc.record({ op: fc.constant(op), order, event, name: fc.constantFrom(...names) });

  const weighted: fc.WeightedArbitrary<ExploreOp>[] = [
    { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), order, event }) },
  ];
  if (!excluded.faults.has('concurrent')) {
    weighted.push({
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('concurrent' as const),
        order,
        event,
        // One copy is a plain delivery: shrinking a race that is not needed ends there.
        copies: fc.integer({ min: 1, max: Math.max(2, limits.maxCopies) }),
      }),
    });
  }
  if (!excluded.faults.has('resigned')) {
    weighted.push({
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('resigned' as const),
        order,
        event,
        earlierBySeconds: fc.integer({ min: 1, max: 90 }),
      }),
    });
  }
  if (choices.forgeries.length > 0) weighted.push({ weight: 2, arbitrary: named('forged', choices.forgeries) });
  if (choices.reformats.length > 0) weighted.push({ weight: 2, arbitrary: named('reformatted', choices.reformats) });
  if (choices.malformations.length > 0) {
    weighted.push({
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('malformed' as const),
        order,
        event,
        kind: fc.constantFrom(...choices.malformations),
        draw: fc.nat({ max: 1_000 }),
      }),
    });
  }
  if (!excluded.faults.has('pause')) {
    weighted.push({
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('pause' as const), ms: fc.integer({ min: 1, max: 50 }) }),
    });
  }
  if (choices.replays.length > 0) weighted.push({ weight: 2, arbitrary: named('replayed', choices.replays) });
  if (choices.rotation) {
    weighted.push({
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('rotated' as const),
        order,
        event,
        valid: fc.constantFrom('first', 'last'),
      }),
    });
  }

  return fc
    .record({
      // The world's seed is not shrunk: amounts and keys are not what makes a plan fail.
      worldSeed: fc.noShrink(fc.nat({ max: 2 ** 31 - 1 })),
      orders: fc.array(fc.constantFrom(...choices.lifecycles), { minLength: 1, maxLength: limits.maxOrders }),
      ops: fc.array(fc.oneof({ withCrossShrink: true }, ...weighted), { minLength: 1, maxLength: limits.maxOps }),
    })
    .map((plan) => explorable(plan, choices, excluded));
}

/** A plan as explore plays it: the promise kept, the plan-level faults excluded (`duplicate`, `reordered`) removed. */
export function explorable(plan: ExplorePlan, choices: OpChoices, excluded: Excluded): ExplorePlan {
  return withoutPlanFaults(keepPromise(plan, choices), excluded, choices);
}
