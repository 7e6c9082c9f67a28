import { deriveOrderState, type LifecycleFact, toOrderView } from '../../contracts/lifecycle.js';
import type { OrderView } from '../../contracts/probe.js';
import { fieldDifferences, phrase } from '../compare.js';
import type { AttemptRecord, RecordedOrder, ScenarioRecord } from '../record/run-record.js';
import type { FieldDifference } from '../verdict.js';

/** What a correct receiver shows for an order given the facts it has applied: the lifecycle rule's view. */
export function ruleView(order: RecordedOrder, facts: readonly LifecycleFact[]): OrderView {
  const terms = { orderId: order.orderId, amountMinor: order.amountMinor, currency: order.currency };
  return toOrderView(
    deriveOrderState(
      terms,
      facts.filter((f) => f.orderId === order.orderId),
    ),
  );
}

/** The facts applied to an order through phase `through` (inclusive). */
export function factsThrough(record: ScenarioRecord, through: number, orderId: string): LifecycleFact[] {
  return record.phases.slice(0, through + 1).flatMap((p) => p.applied.filter((f) => f.orderId === orderId));
}

/** The last snapshot that could read the order (the receiver's latest view of it), or undefined. */
export function lastView(record: ScenarioRecord, orderId: string): OrderView | null | undefined {
  for (const phase of [...record.phases].reverse()) {
    if (phase.snapshot.settledBy === 'error' || phase.snapshot.settledBy === 'timeout') continue;
    if (orderId in phase.snapshot.orders) return phase.snapshot.orders[orderId] ?? null;
  }
  return undefined;
}

/**
 * Whether an order's twin shows what the rule says for its events (then the order can be judged), or why not: its
 * twin is the receiver's own result for the same events delivered plainly once, in order.
 */
export function twinProblem(record: ScenarioRecord, order: RecordedOrder): string | null {
  if (order.twinId === null) return null;
  const twin = record.orders.find((o) => o.orderId === order.twinId);
  if (twin === undefined) return null;
  const seen = lastView(record, twin.orderId);
  if (seen === undefined) return `its twin ${twin.orderId} could not be read`;
  const facts = record.phases.flatMap((p) => p.applied.filter((f) => f.orderId === twin.orderId));
  const differences = fieldDifferences(seen, ruleView(twin, facts));
  if (differences.length === 0) return null;
  return `its twin ${twin.orderId}, the same events delivered once in order, shows ${differences.map(phrase).join('; ')}`;
}

/** The twin's view of an order (for the field-level diff), when it has one. */
export function twinView(record: ScenarioRecord, order: RecordedOrder): OrderView | null | undefined {
  return order.twinId === null ? undefined : (lastView(record, order.twinId) ?? null);
}

/** Field differences between what the probe showed and what a correct receiver shows, with the twin's values. */
export function stateDifferences(
  observed: OrderView | null,
  expected: OrderView,
  twin: OrderView | null | undefined,
): FieldDifference[] {
  return fieldDifferences(observed, expected, twin);
}

/** The attempts about an order, for a finding's evidence. */
export function attemptsOf(attempts: readonly AttemptRecord[], orderId: string): AttemptRecord[] {
  return attempts.filter((a) => a.orderId === orderId);
}
