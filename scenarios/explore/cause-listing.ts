import { guarantee } from '../../contracts/guarantees.js';
import type { Style } from '../report/console.js';
import type { ExploreProgress, ExploreResult, FoundCause } from './explore.js';
import { planListing } from './plan-listing.js';
import { deliveriesOf } from './plan-model.js';

/** The line that ends the search: how many root causes, after how much. */
export function exploreSummary(result: ExploreResult, style: Style): string {
  const timing =
    `${result.plays} plays, ${(result.durationMs / 1000).toFixed(1)}s` +
    (result.interrupted ? ', stopped at the time limit' : '');
  if (result.causes.length === 0) {
    return `  ${style.ok('PASS')}  no failing plan in ${result.runs} random plans ${style.dim(`(${timing})`)}`;
  }
  const count = result.causes.length === 1 ? 'one root cause' : `${result.causes.length} distinct root causes`;
  return `  ${style.bad('FAIL')}  ${count} in ${result.runs} random plans ${style.dim(`(${timing})`)}`;
}

/** One root cause for a person: the guarantee, where to look, the shrunk plan as a numbered list. */
export function causeListing(cause: FoundCause, index: number, style: Style): string[] {
  const faults = [
    ...new Set(
      cause.outcome.steps.flatMap(({ step }) => step.deliveries.flatMap((d) => (d.fault ? [d.fault.kind] : []))),
    ),
  ];
  const promised = promisedDeliveries(cause);
  const lines = [
    `${style.bold(`${index + 1}. ${cause.guarantee}`)}  ${guarantee(cause.guarantee).title} ${style.dim(`(${cause.reason})`)}`,
    `   Where to look: ${cause.diagnosis}`,
    `   Shrunk ${cause.shrinks} times to ${deliveriesOf(cause.plan)} deliveries ` +
      `(${faults.length === 0 ? 'no faults' : `faults: ${faults.join(', ')}`}; ${promised} events, each delivered ` +
      'at least once)' +
      (cause.exclude.length === 0 ? '' : `, found with ${cause.exclude.join(', ')} excluded`),
    '',
    ...planListing(cause.outcome).map((line) => `   ${line}`),
  ];
  if (cause.outcome.unjudged !== null) lines.push(`   ${style.dim(`Not judged: ${cause.outcome.unjudged}`)}`);
  return lines;
}

/** The events of a cause's orders: each needs one delivery, whatever else the plan does. */
export function promisedDeliveries(cause: Pick<FoundCause, 'outcome'>): number {
  return cause.outcome.events.reduce((sum, events) => sum + events.length, 0);
}

/** The live line on a terminal while the search runs. */
export function progressLine(progress: ExploreProgress, runs: number): string {
  const found = progress.causes === 1 ? '1 root cause' : `${progress.causes} root causes`;
  return (
    `${progress.phase === 'shrinking' ? 'shrinking a failing plan' : 'searching'}… ${progress.runs}/${runs} random ` +
    `plans, ${progress.plays} plays, ${found} so far, ${(progress.elapsedMs / 1000).toFixed(1)}s`
  );
}
