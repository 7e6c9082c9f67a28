import type { Clock } from '../contracts/clock.js';
import { deriveOrderState, type LifecycleFact, type OrderTerms, toOrderView } from '../contracts/lifecycle.js';
import type { OrderView } from '../contracts/probe.js';
import type { Attempt } from '../simulator/history.js';
import { orderDifferences } from './compare.js';
import type { ProbeClient } from './probe-client.js';
import { type SettleOptions, settle } from './settle.js';
import type { AttemptSummary, Finding } from './verdict.js';

export interface StateCheck {
  readonly orders: readonly OrderTerms[];
  /** The facts a correct receiver has applied so far. */
  readonly applied: readonly LifecycleFact[];
  readonly probe: ProbeClient;
  readonly settle: SettleOptions & { readonly clock: Clock; readonly sleep: (ms: number) => Promise<void> };
  /** Every attempt so far: a finding lists the order's. */
  readonly attempts: readonly Attempt[];
  readonly summarize: (attempt: Attempt) => AttemptSummary;
  /** The phase's name for the report, and how the problem line names when the difference was seen. */
  readonly phase: string;
  readonly when?: string;
}

/**
 * Waits for the receiver to settle, then compares every order the probe shows with the lifecycle rule over the applied
 * facts: one finding per order that differs, with the order's deliveries as evidence.
 */
export async function orderStateFindings(check: StateCheck): Promise<Finding[]> {
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
  const observed = await settle(
    check.probe,
    [...expected.keys()],
    (seen) => [...expected].every(([id, want]) => orderDifferences(seen.get(id) ?? null, want).length === 0),
    check.settle,
  );
  const findings: Finding[] = [];
  for (const [orderId, want] of expected) {
    const seen = observed.get(orderId) ?? null;
    const differences = orderDifferences(seen, want);
    if (differences.length === 0) continue;
    findings.push({
      problem: `order ${orderId}${check.when === undefined ? '' : ` ${check.when}`}: ${differences.join('; ')}`,
      phase: check.phase,
      orderId,
      deliveries: check.attempts.filter((a) => a.orderId === orderId).map(check.summarize),
      observed: seen,
      expected: want,
    });
  }
  return findings;
}
