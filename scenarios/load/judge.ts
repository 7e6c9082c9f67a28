import { deriveOrderState, matchesTerms, type OrderTerms, toOrderView } from '../../contracts/lifecycle.js';
import type { OrderView } from '../../contracts/probe.js';
import { orderDifferences } from '../compare.js';
import type { EventTable } from './event-table.js';
import { isAcknowledged } from './history.js';
import { FORGED } from './plan.js';
import type { ForgedAccepted, LoadCheck, LostEvent, OrderProblem } from './report.js';

/** At most this many items of each kind are listed in a report; the counts are always exact. */
export const MAX_LISTED = 100;

/** What the judge reads of a load run's history (a LoadHistory, or the union of several shards' histories). */
export interface DeliveryLog {
  readonly size: number;
  event(number: number): number;
  kind(number: number): number;
  status(number: number): number;
  sentAtMs(number: number): number;
  latencyUs(number: number): number | null;
}

const ACKED = 1;
const MAYBE = 2;
const SENT = 4;
const MAX_SUBSET_EVENTS = 6;

/** Per planned event, what its deliveries' answers allow; and the forgeries answered 2xx. */
export interface DeliveryFacts {
  readonly flags: Uint8Array;
  /** When the event's first 2xx came back (ms on its shard's clock); Infinity when none did. */
  readonly firstAckAt: Float64Array;
  readonly forgedAccepted: { readonly count: number; readonly deliveries: ForgedAccepted[] };
}

export function deliveryFacts(table: EventTable, log: DeliveryLog, forgeries: readonly string[]): DeliveryFacts {
  const flags = new Uint8Array(table.events);
  const firstAckAt = new Float64Array(table.events).fill(Number.POSITIVE_INFINITY);
  const listed: ForgedAccepted[] = [];
  let count = 0;
  for (let n = 0; n < log.size; n += 1) {
    const event = log.event(n);
    const kind = log.kind(n);
    const status = log.status(n);
    const ok = isAcknowledged(status);
    if (kind >= FORGED) {
      if (!ok) continue;
      count += 1;
      flags[event] = (flags[event] ?? 0) | MAYBE | SENT;
      if (listed.length < MAX_LISTED) {
        const forgery = forgeries[kind - FORGED] ?? 'forgery';
        listed.push({ delivery: n + 1, eventId: table.eventId(event), forgery, statusCode: status });
      }
      continue;
    }
    flags[event] = (flags[event] ?? 0) | SENT | (ok ? ACKED : MAYBE);
    if (ok) {
      const answeredAt = log.sentAtMs(n) + (log.latencyUs(n) ?? 0) / 1000;
      firstAckAt[event] = Math.min(firstAckAt[event] ?? Number.POSITIVE_INFINITY, answeredAt);
    }
  }
  return { flags, firstAckAt, forgedAccepted: { count, deliveries: listed } };
}

/** The orders at least one of whose events was sent: the ones the check reads. */
export function touchedOrders(table: EventTable, facts: DeliveryFacts): number[] {
  const touched: number[] = [];
  for (let order = 0; order < table.orders; order += 1) {
    if (table.someEventOf(order, (e) => ((facts.flags[e] ?? 0) & SENT) !== 0)) touched.push(order);
  }
  return touched;
}

export type Verdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'lost'; readonly events: LostEvent[] }
  | {
      readonly kind: 'twice' | 'amountMismatch' | 'outOfOrder' | 'unexplained';
      readonly problem: OrderProblem;
    };

const OK: Verdict = { kind: 'ok' };

/**
 * One order's verdict, a pure function of the plan, the answers and what the probe showed. Its expected state is the
 * lifecycle rule over the genuine events the receiver acknowledged; events sent without a 2xx (or forged and
 * accepted) may or may not have been applied, so any subset of them may be reflected too. Otherwise, in this order:
 * - amount mismatch: a payment whose amount or currency differ was acknowledged and the order is not `flagged`;
 * - applied twice: more fulfillments or refunds than even every sent event allows;
 * - lost: an acknowledged event not reflected (the one whose absence explains what the probe shows), unless it was
 *   acknowledged before an event it follows: then out of order (the receiver dropped or undid an early arrival);
 * - out of order: any other wrong state on an order whose events were acknowledged out of the gateway's order;
 * - unexplained: anything else.
 */
export function judgeOrder(
  table: EventTable,
  order: number,
  facts: DeliveryFacts,
  observed: OrderView | null,
): Verdict {
  const { flags, firstAckAt } = facts;
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

  const problem = orderDifferences(observed, expectedView(table, terms, acked)).join('; ');
  const orderProblem = (text: string) => ({ orderId: terms.orderId, problem: text });
  const mismatched = acked.some((e) => {
    const fact = table.fact(e);
    return fact.kind === 'succeeded' && !matchesTerms(fact, terms);
  });
  if (mismatched && observed !== null && observed.status !== 'flagged') {
    return { kind: 'amountMismatch', problem: orderProblem(`a payment of another amount or currency: ${problem}`) };
  }
  const everything = expectedView(table, terms, [...acked, ...maybe]);
  if (observed !== null && (observed.fulfillments > everything.fulfillments || observed.refunds > everything.refunds)) {
    return { kind: 'twice', problem: orderProblem(problem) };
  }
  const ackedAt = (e: number) => firstAckAt[e] ?? Number.POSITIVE_INFINITY;
  /** An acknowledged event the receiver answered before an earlier event of the same order. */
  const earlyArrival = (e: number) => acked.some((f) => f < e && ackedAt(f) > ackedAt(e));
  const outOfOrder = (e: number) => {
    const before = acked.find((f) => f < e && ackedAt(f) > ackedAt(e));
    const text = `${table.eventId(e)} (${table.fact(e).kind}) was acknowledged before ${table.eventId(before ?? e)}`;
    return { kind: 'outOfOrder', problem: orderProblem(`${text}, which it follows: ${problem}`) } as const;
  };
  const missing = acked.filter((e) => explains(acked.filter((other) => other !== e)));
  // An order the probe does not know lost every acknowledged event; otherwise name the one whose absence explains it.
  const lostEvents = missing.length > 0 ? missing : observed === null ? acked : [];
  const early = lostEvents.find(earlyArrival);
  if (early !== undefined) return outOfOrder(early);
  if (lostEvents.length > 0) {
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
  const reordered = acked.find(earlyArrival);
  if (reordered !== undefined) return outOfOrder(reordered);
  return { kind: 'unexplained', problem: orderProblem(problem) };
}

/** The check's result from every read order's verdict. */
export function checkResult(
  verdicts: Iterable<Verdict>,
  facts: DeliveryFacts,
  ordersChecked: number,
  ordersCreated: number,
): LoadCheck {
  const lost: LostEvent[] = [];
  let lostCount = 0;
  const byKind = {
    twice: { count: 0, orders: [] as OrderProblem[] },
    amountMismatch: { count: 0, orders: [] as OrderProblem[] },
    outOfOrder: { count: 0, orders: [] as OrderProblem[] },
    unexplained: { count: 0, orders: [] as OrderProblem[] },
  };
  for (const verdict of verdicts) {
    if (verdict.kind === 'ok') continue;
    if (verdict.kind === 'lost') {
      lostCount += verdict.events.length;
      for (const event of verdict.events) if (lost.length < MAX_LISTED) lost.push(event);
      continue;
    }
    const entry = byKind[verdict.kind];
    entry.count += 1;
    if (entry.orders.length < MAX_LISTED) entry.orders.push(verdict.problem);
  }
  const problems =
    lostCount + facts.forgedAccepted.count + Object.values(byKind).reduce((sum, entry) => sum + entry.count, 0);
  return {
    status: problems > 0 ? 'fail' : 'pass',
    reason: null,
    ordersCreated,
    ordersChecked,
    lost: { count: lostCount, events: lost },
    appliedTwice: byKind.twice,
    amountMismatch: byKind.amountMismatch,
    outOfOrder: byKind.outOfOrder,
    forgedAccepted: facts.forgedAccepted,
    unexplained: byKind.unexplained,
  };
}

/** The check without a probe: only the answers to forgeries are judged. */
export function answersOnlyResult(facts: DeliveryFacts): LoadCheck {
  const empty = { count: 0, orders: [] };
  return {
    status: facts.forgedAccepted.count > 0 ? 'fail' : 'skipped',
    reason: 'no --probe: only the answers to forgeries were checked',
    ordersCreated: 0,
    ordersChecked: 0,
    lost: { count: 0, events: [] },
    appliedTwice: empty,
    amountMismatch: empty,
    outOfOrder: empty,
    forgedAccepted: facts.forgedAccepted,
    unexplained: empty,
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
