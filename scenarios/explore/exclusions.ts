import { z } from 'zod';
import { IpnError } from '../../contracts/errors.js';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { deriveSeed } from '../../simulator/random.js';
import type { LifecycleKind } from '../../simulator/world.js';
import { scenarios } from '../catalog/index.js';
import type { ExplorePlan } from './plan-model.js';
import { type DeliveryKinds, delivers, eventOf } from './promise.js';

/**
 * What `explore --exclude` can leave out: a kind of fault (never generated), or a guarantee (its faults never
 * generated, and a failure that breaks it, or one built on it, never reported). Root causes already found are excluded
 * the same way while the search goes on, so each is reported once.
 */
export const exploreFaults = [
  'forged',
  'replayed',
  'duplicate',
  'concurrent',
  'resigned',
  'reordered',
  'reformatted',
  'rotated',
  'malformed',
  'pause',
] as const;
export type ExploreFault = (typeof exploreFaults)[number];

/** The guarantees an explored plan can break, each with the faults (and lifecycles) that test it. */
const tested = {
  'baseline.applied': { faults: [] },
  'auth.forged-rejected': { faults: ['forged'] },
  'auth.verified-postback': { faults: ['forged'] },
  'auth.replay-window': { faults: ['replayed'] },
  'idem.sequential': { faults: ['duplicate'] },
  'idem.concurrent': { faults: ['concurrent'] },
  'idem.resigned': { faults: ['resigned'] },
  'order.final-state': { faults: ['reordered'] },
  'consistency.amount': {
    faults: [],
    lifecycles: ['mismatched-amount', 'mismatched-amount-directly', 'mismatched-currency'],
  },
  'compat.reformat': { faults: ['reformatted'] },
  'compat.rotation': { faults: ['rotated'] },
  'robust.bad-input': { faults: ['malformed'] },
} as const satisfies Partial<
  Record<GuaranteeId, { faults: readonly ExploreFault[]; lifecycles?: readonly LifecycleKind[] }>
>;
export type ExploredGuarantee = keyof typeof tested;
export const exploredGuarantees = Object.keys(tested) as ExploredGuarantee[];

export const ExclusionSchema = z.enum([...exploreFaults, ...exploredGuarantees]);
export type Exclusion = z.infer<typeof ExclusionSchema>;

/** An exclusion list resolved: the faults and lifecycles not generated, the guarantees not reported. */
export interface Excluded {
  readonly names: readonly Exclusion[];
  readonly faults: ReadonlySet<ExploreFault>;
  readonly lifecycles: ReadonlySet<LifecycleKind>;
  readonly guarantees: ReadonlySet<ExploredGuarantee>;
}

const isFault = (name: Exclusion): name is ExploreFault => (exploreFaults as readonly string[]).includes(name);
export const isExplored = (id: string): id is ExploredGuarantee => id in tested;

/**
 * Resolves exclusion names. A guarantee brings the guarantees built on it (the catalog's `dependsOn`: a sequential
 * duplicate applied twice also shows as a concurrent and a re-signed one), and with them all their faults.
 */
export function resolveExclusions(names: readonly Exclusion[]): Excluded {
  const guarantees = new Set<ExploredGuarantee>();
  for (const name of names) if (!isFault(name)) guarantees.add(name);
  // Bounded: each pass adds a guarantee or ends.
  for (let pass = 0, grew = true; grew && pass <= scenarios.length; pass += 1) {
    grew = false;
    for (const { guarantee, dependsOn = [] } of scenarios) {
      if (!isExplored(guarantee) || guarantees.has(guarantee)) continue;
      if (dependsOn.some((id) => isExplored(id) && guarantees.has(id))) {
        guarantees.add(guarantee);
        grew = true;
      }
    }
  }
  const faults = new Set<ExploreFault>(names.filter(isFault));
  const lifecycles = new Set<LifecycleKind>();
  for (const id of guarantees) {
    const entry: { faults: readonly ExploreFault[]; lifecycles?: readonly LifecycleKind[] } = tested[id];
    for (const fault of entry.faults) faults.add(fault);
    for (const lifecycle of entry.lifecycles ?? []) lifecycles.add(lifecycle);
  }
  return { names: [...new Set(names)].sort(), faults, lifecycles, guarantees };
}

export const noExclusions: Excluded = resolveExclusions([]);

/** `--exclude forged,idem.concurrent`, checked against the names explore knows. */
export function parseExclusions(value: string | undefined): Exclusion[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => {
      const parsed = ExclusionSchema.safeParse(name);
      if (parsed.success) return parsed.data;
      throw new IpnError('IPN_ERR_USAGE', `--exclude names "${name}", which explore does not know.`, {
        hint: `Faults: ${exploreFaults.join(', ')}. Guarantees: ${exploredGuarantees.join(', ')}.`,
      });
    });
}

/**
 * The seed of a search with these exclusions: the given seed when nothing is excluded, else one derived from the seed
 * and the sorted names, so `--seed S --exclude X --path P` replays what a case file recorded, and each search for a
 * further root cause draws plans of its own.
 */
export function searchSeed(seed: number, excluded: Pick<Excluded, 'names'>): number {
  return excluded.names.length === 0 ? seed : deriveSeed(seed, `exclude:${excluded.names.join(',')}`);
}

/**
 * A plan without the plan-level faults excluded: no plain delivery of an event already delivered (`duplicate`), and
 * each order's deliveries in the order of its events (`reordered`), in the places its deliveries had.
 */
export function withoutPlanFaults(plan: ExplorePlan, excluded: Excluded, kinds: DeliveryKinds): ExplorePlan {
  let ops = plan.ops;
  if (excluded.faults.has('duplicate')) {
    const seen = new Set<string>();
    ops = ops.filter((op) => {
      const at = delivers(op, kinds) ? eventOf(op, plan, kinds.provider) : null;
      if (at === null) return true;
      const key = `${at.order}:${at.event}`;
      const copy = seen.has(key);
      seen.add(key);
      return !(copy && (op.op === 'deliver' || (op.op === 'concurrent' && op.copies === 1)));
    });
  }
  if (excluded.faults.has('reordered')) {
    const sorted = [...ops];
    for (const order of plan.orders.keys()) {
      const places = ops.flatMap((op, i) =>
        delivers(op, kinds) && eventOf(op, plan, kinds.provider)?.order === order ? [i] : [],
      );
      const inOrder = places
        .map((i) => ops[i])
        .filter((op) => op !== undefined)
        .sort(
          (a, b) => (eventOf(a, plan, kinds.provider)?.event ?? 0) - (eventOf(b, plan, kinds.provider)?.event ?? 0),
        );
      places.forEach((place, n) => {
        const op = inOrder[n];
        if (op !== undefined) sorted[place] = op;
      });
    }
    ops = sorted;
  }
  return ops === plan.ops ? plan : { ...plan, ops };
}
