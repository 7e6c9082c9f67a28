import type { OrderView } from '../../contracts/probe.js';
import type { ProbeClient } from '../probe-client.js';
import type { EventTable } from './event-table.js';
import type { LoadHistory } from './history.js';
import { answersOnlyResult, checkResult, deliveryFacts, judgeOrder, touchedOrders, type Verdict } from './judge.js';
import type { LoadCheck } from './report.js';

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
  /** How many orders were created through the probe before the run (reported beside the orders checked). */
  readonly ordersCreated: number;
  /** Keep every read order's last view in `observed` (a shard's record needs them); otherwise only the wrong ones'. */
  readonly keepObserved?: boolean;
}

/** What the check read: each read order's last view (null: the probe does not know it), for a later merge. */
export type Observations = Map<number, OrderView | null>;

export interface CheckOutcome {
  readonly check: CheckResult;
  readonly observed: Observations;
}

/**
 * The correctness check after a load run: reads every order an event was sent for through the probe, until the wrong
 * ones stop changing, and judges each (judge.ts, a pure function of the plan, the answers and the views read). A 2xx
 * to a forgery is counted from the answers alone.
 */
export async function checkLoad(options: CheckOptions): Promise<CheckOutcome> {
  const { table, history } = options;
  const facts = deliveryFacts(table, history, options.forgeries);
  const observed: Observations = new Map();
  if (options.probe === null) return { check: answersOnlyResult(facts), observed };
  const probe = options.probe;
  const touched = touchedOrders(table, facts);

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
      const verdict = judgeOrder(table, order, facts, view);
      if (verdict.kind === 'ok') {
        verdicts.delete(order);
        if (options.keepObserved === true) observed.set(order, view);
        else observed.delete(order);
        return;
      }
      observed.set(order, view);
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
  return { check: checkResult(verdicts.values(), facts, touched.length, options.ordersCreated), observed };
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
