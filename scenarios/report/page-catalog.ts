import { type GuaranteeId, guarantees } from '../../contracts/guarantees.js';
import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { scenarios } from '../catalog/index.js';
import type { Scenario } from '../define.js';

/**
 * What the page knows before any verdict arrives, so a grid cell without a verdict can say why: every guarantee's
 * title (in the order runs report them), which guarantees each provider has a scenario for, and which run only when
 * the gauntlet starts the receiver (`--receiver-cmd`).
 */
export interface PageCatalog {
  readonly guarantees: readonly { readonly id: GuaranteeId; readonly title: string }[];
  readonly applicable: Readonly<Record<string, readonly GuaranteeId[]>>;
  readonly needsReceiverCmd: readonly GuaranteeId[];
}

/** Judged in every run whatever the provider: the baseline first, the answer latency last (see `runner.ts`). */
const EVERY_RUN: readonly GuaranteeId[] = ['baseline.applied', 'liveness.ack-latency'];

/** The catalog of the built-in providers and scenarios. */
export function pageCatalog(
  all: readonly Scenario[] = scenarios,
  known: Readonly<Record<string, Provider>> = providers,
): PageCatalog {
  const applicable = Object.fromEntries(
    Object.values(known).map((provider) => {
      const ids = new Set<GuaranteeId>([
        ...EVERY_RUN,
        ...all.filter((s) => s.appliesTo(provider)).map((s) => s.guarantee),
      ]);
      return [provider.id, guarantees.map((g) => g.id).filter((id) => ids.has(id))];
    }),
  );
  return {
    guarantees: guarantees.map((g) => ({ id: g.id, title: g.title })),
    applicable,
    needsReceiverCmd: [...new Set(all.filter((s) => s.needsReceiverProcess === true).map((s) => s.guarantee))],
  };
}
