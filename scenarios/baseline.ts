import type { Provider } from '../contracts/provider.js';
import { eventsOf } from '../simulator/events.js';
import { inSequence, type SigningContext } from '../simulator/plan.js';
import { canPlay, type LifecycleKind, type World } from '../simulator/world.js';
import { genuineLifecycle } from './catalog/helpers.js';
import type { ScenarioPlan } from './define.js';
import type { RecordedOrder } from './record/run-record.js';
import type { Verdict } from './verdict.js';

/**
 * The baseline: one order per lifecycle the run's scenarios use, in a two-decimal currency, each of its genuine events
 * delivered once and in order, judged against the lifecycle rule (`baseline.applied`). It shows, once, whether the
 * receiver applies each kind of fact at all; an order of a scenario judged by the rule alone is judged only where the
 * baseline of its facts held (the others have twins of their own). Currencies with other exponents are
 * consistency.amount's.
 */
export const BASELINE_CURRENCY = 'USD';

/** The lifecycle whose baseline an order of this lifecycle builds on (a mismatched payment needs payments to apply). */
export function baselineLifecycleOf(lifecycle: LifecycleKind): LifecycleKind {
  if (lifecycle === 'mismatched-amount') return 'paid';
  if (lifecycle === 'mismatched-currency' || lifecycle === 'mismatched-amount-directly') return 'paid-directly';
  return lifecycle;
}

export function baselinePlan(
  provider: Provider,
  world: World,
  signing: SigningContext,
  lifecycles: Iterable<LifecycleKind>,
  currency: string = BASELINE_CURRENCY,
): ScenarioPlan {
  const kinds = [...new Set([...lifecycles].map(baselineLifecycleOf))].filter((kind) => canPlay(provider, kind));
  const genuine = genuineLifecycle(provider);
  if (!kinds.includes(genuine)) kinds.unshift(genuine);
  const orders = kinds.map((kind) => world.order(kind, { currency }));
  const events = orders.flatMap((order) => eventsOf(provider, order));
  return {
    orders,
    phases: [{ name: 'each genuine event once, in order', steps: inSequence(signing, events), applied: events }],
  };
}

/**
 * What an order judged by the rule alone may be judged on: null when the baseline of its lifecycle held (or there is
 * no baseline verdict), else why not.
 */
export function baselineGate(baseline: Verdict | undefined, orders: readonly RecordedOrder[]) {
  const failed = new Map<LifecycleKind, string>();
  if (baseline?.status === 'fail') {
    for (const finding of baseline.findings) {
      const order = orders.find((o) => o.orderId === finding.orderId);
      if (order !== undefined && !failed.has(order.lifecycle)) failed.set(order.lifecycle, finding.problem);
    }
  }
  return (order: RecordedOrder): string | null => {
    const reason = failed.get(baselineLifecycleOf(order.lifecycle));
    return reason === undefined
      ? null
      : `genuine ${order.lifecycle} events do not apply as the rule says (baseline.applied: ${reason})`;
  };
}
