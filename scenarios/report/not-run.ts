import { type GuaranteeId, guarantees } from '../../contracts/guarantees.js';
import type { RunReport } from '../verdict.js';
import { type PageCatalog, pageCatalog } from './page-catalog.js';

/** A guarantee a run has no verdict for, and why. */
export interface GuaranteeNotRun {
  readonly guarantee: GuaranteeId;
  readonly title: string;
  readonly reason: string;
}

/**
 * The guarantees a run of a built-in provider has no verdict for and could not have had: those no scenario checks
 * for the provider (not applicable: PayPal IPN has no signature to forge) and those that run only when the gauntlet
 * starts the receiver (`--receiver-cmd`), unless the run did. What `--only` left out is not listed: it was asked for.
 */
export function guaranteesNotRun(report: RunReport, catalog: PageCatalog = pageCatalog()): GuaranteeNotRun[] {
  const applicable = catalog.applicable[report.provider];
  if (applicable === undefined) return [];
  const judged = new Set<string>(report.results.map((v) => v.guarantee));
  const needsProcess = new Set<string>(catalog.needsReceiverCmd);
  return guarantees
    .filter((g) => !judged.has(g.id) && (!applicable.includes(g.id) || needsProcess.has(g.id)))
    .map((g) => ({
      guarantee: g.id,
      title: g.title,
      reason: !applicable.includes(g.id)
        ? `not applicable: no scenario checks ${g.id} for ${report.provider}`
        : `not run: ${g.id} kills and restarts the receiver, so the gauntlet must start it (--receiver-cmd and --ready)`,
    }));
}
