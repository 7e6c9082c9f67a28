import { deriveOrderState, type LifecycleFact, type OrderTerms, toOrderView } from '../contracts/lifecycle.js';
import type { OrderView } from '../contracts/probe.js';
import type { Attempt } from '../simulator/history.js';
import { fieldDifferences, phrase } from './compare.js';
import type { ProbeClient } from './probe-client.js';
import { type SettleContext, settledSnapshot } from './settle.js';
import type { AttemptSummary, Finding } from './verdict.js';

export interface StateCheck {
  readonly orders: readonly OrderTerms[];
  /** The facts a correct receiver has applied so far. */
  readonly applied: readonly LifecycleFact[];
  readonly probe: ProbeClient;
  readonly settle: SettleContext;
  /** Every attempt so far: a finding lists the order's. */
  readonly attempts: readonly Attempt[];
  readonly summarize: (attempt: Attempt) => AttemptSummary;
  /** The phase's name for the report, and how the problem line names when the difference was seen. */
  readonly phase: string;
  readonly when?: string;
}

/** The outcome of a state check: one finding per order that differs, and whether the wait let it judge at all. */
export interface StateCheckOutcome {
  readonly findings: Finding[];
  /** Why the state could not be judged (the receiver did not settle, the probe failed), or null. */
  readonly unjudged: string | null;
}

/**
 * Waits for the receiver to settle, then compares every order the probe shows with the lifecycle rule over the applied
 * facts: one finding per order that differs, with the order's deliveries as evidence. A wait that runs out judges
 * nothing (events still pending are not lost).
 */
export async function orderStateCheck(check: StateCheck): Promise<StateCheckOutcome> {
  const expected = new Map<string, OrderView>(
    check.orders.map((order) => [
      order.orderId,
      toOrderView(
        deriveOrderState(
          order,
          check.applied.filter((f) => f.orderId === order.orderId),
        ),
      ),
    ]),
  );
  const snapshot = await settledSnapshot(
    check.probe,
    [...expected.keys()],
    (seen) => [...expected].every(([id, want]) => fieldDifferences(seen.get(id) ?? null, want).length === 0),
    check.settle,
  );
  if (snapshot.settledBy === 'timeout' || snapshot.settledBy === 'error') {
    return { findings: [], unjudged: snapshot.detail ?? snapshot.settledBy };
  }
  const findings: Finding[] = [];
  for (const [orderId, want] of expected) {
    const seen = snapshot.orders[orderId] ?? null;
    const differences = fieldDifferences(seen, want);
    if (differences.length === 0) continue;
    findings.push({
      problem: `order ${orderId}${check.when === undefined ? '' : ` ${check.when}`}: ${differences.map(phrase).join('; ')}`,
      reason: 'state.differs',
      phase: check.phase,
      orderId,
      deliveries: check.attempts.filter((a) => a.orderId === orderId).map(check.summarize),
      observed: seen,
      expected: want,
      differences,
    });
  }
  return { findings, unjudged: null };
}
