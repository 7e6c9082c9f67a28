import type { OpChoices } from './arbitrary.js';
import type { ExploredGuarantee } from './exclusions.js';
import type { ExploreOp, ExplorePlan } from './plan-model.js';

/**
 * A root cause may be built on another (the catalog's `dependsOn`): a receiver that verifies nothing also takes
 * replays, one that never deduplicates also applies re-signed and concurrent copies twice. Whichever a search meets
 * first, the cause to report is the one underneath. These are the failing plan's counterparts for what it is built on
 * (each replay a forgery; each re-signed, reformatted, rotated, malformed or concurrent copy a plain one): if one fails for that guarantee, it is the
 * root cause.
 */
export function builtOnVariants(
  plan: ExplorePlan,
  guarantee: ExploredGuarantee,
  choices: Pick<OpChoices, 'forgeries'>,
): { readonly guarantee: ExploredGuarantee; readonly plan: ExplorePlan }[] {
  const replace = (swap: (op: ExploreOp) => ExploreOp[] | null) => {
    let changed = false;
    const ops = plan.ops.flatMap((op) => {
      const swapped = swap(op);
      if (swapped === null) return [op];
      changed = true;
      return swapped;
    });
    return changed ? { ...plan, ops } : null;
  };
  const plain = (op: ExploreOp & { order: number; event: number }): ExploreOp => ({
    op: 'deliver',
    order: op.order,
    event: op.event,
  });
  switch (guarantee) {
    case 'auth.replay-window': {
      const name = choices.forgeries.find((n) => n === 'signed with the wrong secret') ?? choices.forgeries[0];
      if (name === undefined) return [];
      const forged = replace((op) =>
        op.op === 'replayed' ? [{ op: 'forged', order: op.order, event: op.event, name }] : null,
      );
      return forged === null ? [] : [{ guarantee: 'auth.forged-rejected', plan: forged }];
    }
    case 'idem.resigned': {
      const copied = replace((op) =>
        op.op === 'resigned' || op.op === 'reformatted' || op.op === 'rotated' || op.op === 'malformed'
          ? [plain(op)]
          : null,
      );
      return copied === null ? [] : [{ guarantee: 'idem.sequential', plan: copied }];
    }
    case 'idem.concurrent': {
      const copied = replace((op) =>
        op.op === 'concurrent' && op.copies > 1 ? Array.from({ length: op.copies }, () => plain(op)) : null,
      );
      return copied === null ? [] : [{ guarantee: 'idem.sequential', plan: copied }];
    }
    default:
      return [];
  }
}
