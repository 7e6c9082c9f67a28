import { deriveOrderState, type OrderTerms, toOrderView } from '../../contracts/lifecycle.js';
import type { OrderView } from '../../contracts/probe.js';
import { orderDifferences } from '../compare.js';
import type { ProbeClient } from '../probe-client.js';
import type { EventTable } from './event-table.js';
import { isAcknowledged, type LoadHistory } from './history.js';
import { FORGED } from './plan.js';
import type { ForgedAccepted, LoadCheck, LostEvent, OrderProblem } from './report.js';

/** At most this many items of each kind are listed in a report; the counts are always exact. */
export const MAX_LISTED = 100;

export type CheckResult = LoadCheck;

export interface CheckOptions {
  readonly table: EventTable;
  readonly history: LoadHistory;
  readonly forgeries: readonly string[];
  /** null: no probe, so only the answers to forgeries are checked. */
  readonly probe: ProbeClient | null;
  /** How long to wait for the receiver to apply what it acknowledged, ms. */
  readonly settleTimeoutMs: number;
  readonly pollMs: number;
  /** Orders that look wrong must stay unchanged this long before they are judged, ms. */
  readonly quietMs: number;
  /** Probe reads at once. */
  readonly concurrency: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const ACKED = 1;
const MAYBE = 2;
const SENT = 4;
const MAX_SUBSET_EVENTS = 6;

/**
 * The correctness check after a load run. Each order's expected state is the lifecycle rule over the genuine events the
 * receiver acknowledged (2xx); events sent without a 2xx (or forged and accepted) may or may not have been applied, so
 * any subset of them may be reflected too. The probe must show one of those states, else:
 * - applied twice: more fulfillments or refunds than even every sent event allows;
 * - lost: an acknowledged event that is not reflected (named when leaving it out explains what the probe shows);
 * - unexplained: anything else. A 2xx to a forgery is counted from the answers alone.
 */
export async function checkLoad(options: CheckOptions): Promise<CheckResult> {
  const { table, history } = options;
  const flags = new Uint8Array(table.events);
  const forged: ForgedAccepted[] = [];
  let forgedCount = 0;
  for (let n = 0; n < history.size; n += 1) {
    const event = history.event(n);
    const kind = history.kind(n);
    const status = history.status(n);
    const ok = isAcknowledged(status);
    if (kind >= FORGED) {
      if (!ok) continue;
      forgedCount += 1;
      flags[event] = (flags[event] ?? 0) | MAYBE | SENT;
      if (forged.length < MAX_LISTED) {
        const forgery = options.forgeries[kind - FORGED] ?? 'forgery';
        forged.push({ delivery: n + 1, eventId: table.eventId(event), forgery, statusCode: status });
      }
      continue;
    }
    flags[event] = (flags[event] ?? 0) | SENT | (ok ? ACKED : MAYBE);
  }
  const forgedAccepted = { count: forgedCount, deliveries: forged };
  const empty = { count: 0 } as const;
  if (options.probe === null) {
    return {
      status: forgedCount > 0 ? 'fail' : 'skipped',
      reason: 'no --probe: only the answers to forgeries were checked',
      ordersChecked: 0,
      lost: { ...empty, events: [] },
      appliedTwice: { ...empty, orders: [] },
      forgedAccepted,
      unexplained: { ...empty, orders: [] },
    };
  }
  const probe = options.probe;

  const touched: number[] = [];
  for (let order = 0; order < table.orders; order += 1) {
    if (table.eventsOf(order).some((e) => ((flags[e] ?? 0) & SENT) !== 0)) touched.push(order);
  }

  // Orders that look wrong are read again until they have not changed for a quiet period while the receiver reports
  // an empty inbox (a worker may still be applying a batch it has claimed), bounded by the settle timeout.
  await waitForInbox(probe, options);
  const deadline = options.now() + options.settleTimeoutMs;
  const verdicts = new Map<number, Verdict>();
  let pending = touched;
  let lastKey = '';
  let quietSince = options.now();
  while (true) {
    const wrong: [number, OrderView | null][] = [];
    await readOrders(probe, pending, table, options.concurrency, (order, view) => {
      const verdict = judge(table, order, flags, view);
      if (verdict.kind === 'ok') {
        verdicts.delete(order);
        return;
      }
      verdicts.set(order, verdict);
      wrong.push([order, view]);
    });
    if (wrong.length === 0 || options.now() >= deadline) break;
    wrong.sort((a, b) => a[0] - b[0]);
    const key = JSON.stringify(wrong);
    const busy = await waitForInbox(probe, options);
    if (key !== lastKey || busy) quietSince = options.now();
    else if (options.now() - quietSince >= options.quietMs) break;
    lastKey = key;
    pending = wrong.map(([order]) => order);
    await options.sleep(Math.max(options.pollMs, 100));
  }

  const lost: LostEvent[] = [];
  const twice: OrderProblem[] = [];
  const unexplained: OrderProblem[] = [];
  let lostCount = 0;
  let twiceCount = 0;
  let unexplainedCount = 0;
  for (const verdict of verdicts.values()) {
    if (verdict.kind === 'lost') {
      lostCount += verdict.events.length;
      for (const event of verdict.events) if (lost.length < MAX_LISTED) lost.push(event);
    } else if (verdict.kind === 'twice') {
      twiceCount += 1;
      if (twice.length < MAX_LISTED) twice.push(verdict.problem);
    } else if (verdict.kind === 'unexplained') {
      unexplainedCount += 1;
      if (unexplained.length < MAX_LISTED) unexplained.push(verdict.problem);
    }
  }
  const failed = lostCount + twiceCount + unexplainedCount + forgedCount > 0;
  return {
    status: failed ? 'fail' : 'pass',
    reason: null,
    ordersChecked: touched.length,
    lost: { count: lostCount, events: lost },
    appliedTwice: { count: twiceCount, orders: twice },
    forgedAccepted,
    unexplained: { count: unexplainedCount, orders: unexplained },
  };
}

type Verdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'lost'; readonly events: LostEvent[] }
  | { readonly kind: 'twice'; readonly problem: OrderProblem }
  | { readonly kind: 'unexplained'; readonly problem: OrderProblem };

const OK: Verdict = { kind: 'ok' };

function judge(table: EventTable, order: number, flags: Uint8Array, observed: OrderView | null): Verdict {
  const terms = table.terms(order);
  const events = table.eventsOf(order);
  const acked = events.filter((e) => ((flags[e] ?? 0) & ACKED) !== 0);
  const maybe = events.filter((e) => ((flags[e] ?? 0) & (ACKED | MAYBE)) === MAYBE);
  const subsets = subsetsOf(maybe);
  const explains = (applied: readonly number[]) =>
    subsets.some(
      (extra) => orderDifferences(observed, expectedView(table, terms, [...applied, ...extra])).length === 0,
    );
  if (explains(acked)) return OK;

  const everything = expectedView(table, terms, [...acked, ...maybe]);
  const problem = orderDifferences(observed, expectedView(table, terms, acked)).join('; ');
  if (observed !== null && (observed.fulfillments > everything.fulfillments || observed.refunds > everything.refunds)) {
    return { kind: 'twice', problem: { orderId: terms.orderId, problem } };
  }
  const missing = acked.filter((e) => explains(acked.filter((other) => other !== e)));
  // An order the probe does not know lost every acknowledged event; otherwise name the one whose absence explains it.
  const lostEvents = missing.length > 0 ? missing : observed === null ? acked : [];
  if (lostEvents.length === 0) return { kind: 'unexplained', problem: { orderId: terms.orderId, problem } };
  return {
    kind: 'lost',
    events: lostEvents.map((e) => ({
      eventId: table.eventId(e),
      orderId: terms.orderId,
      kind: table.fact(e).kind,
      problem: `acknowledged but not applied: ${problem}`,
    })),
  };
}

function expectedView(table: EventTable, terms: OrderTerms, events: readonly number[]): OrderView {
  return toOrderView(
    deriveOrderState(
      terms,
      events.map((e) => table.fact(e)),
    ),
  );
}

/** Every subset of a few events; past that only none and all (the check stays cheap). */
function subsetsOf(events: readonly number[]): number[][] {
  if (events.length > MAX_SUBSET_EVENTS) return [[], [...events]];
  const subsets: number[][] = [];
  for (let mask = 0; mask < 1 << events.length; mask += 1) {
    subsets.push(events.filter((_, i) => (mask & (1 << i)) !== 0));
  }
  return subsets;
}

/** Waits until the receiver's inbox is empty (when it reports one); true when it had to wait. */
async function waitForInbox(probe: ProbeClient, options: CheckOptions): Promise<boolean> {
  const deadline = options.now() + options.settleTimeoutMs;
  let waited = false;
  while (options.now() < deadline) {
    const health = await probe.health();
    if (health.inboxPending === undefined || health.inboxPending === 0) return waited;
    waited = true;
    await options.sleep(options.pollMs);
  }
  return waited;
}

async function readOrders(
  probe: ProbeClient,
  orders: readonly number[],
  table: EventTable,
  concurrency: number,
  onOrder: (order: number, view: OrderView | null) => void,
): Promise<void> {
  let next = 0;
  const reader = async () => {
    while (next < orders.length) {
      const order = orders[next] as number;
      next += 1;
      onOrder(order, await probe.getOrder(table.orderId(order)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, orders.length) }, reader));
}
