import type { DeliverySource, PlannedDelivery } from './plan.js';

/** Sends one planned delivery; `scheduledAt` is when it was due (monotonic ms). Never rejects. */
export type Dispatch = (planned: PlannedDelivery, scheduledAt: number) => Promise<void>;

export interface ScheduleLimits {
  /** Most deliveries to send. */
  readonly maxDeliveries: number;
  /** Monotonic ms after which nothing new is sent; null = no time limit. */
  readonly deadline: number | null;
  /** Monotonic milliseconds (fractional). */
  readonly now: () => number;
}

export interface ScheduleOutcome {
  /** True when the plan ran out of deliveries before the limits were reached. */
  readonly exhausted: boolean;
  /** Open model: the most deliveries sent and not yet answered at once. */
  readonly maxInFlight: number;
  /** Open model: how late the latest delivery left compared with its schedule, ms. */
  readonly maxLagMs: number;
}

/** Closed model: `concurrency` senders, each sending its next delivery when the previous one is answered. */
export async function runClosed(
  source: DeliverySource,
  dispatch: Dispatch,
  limits: ScheduleLimits & { readonly concurrency: number },
): Promise<ScheduleOutcome> {
  let issued = 0;
  let exhausted = false;
  const open = () => issued < limits.maxDeliveries && (limits.deadline === null || limits.now() < limits.deadline);
  const sender = async () => {
    while (!exhausted && open()) {
      const planned = source.next();
      if (planned === null) {
        exhausted = true;
        return;
      }
      issued += 1;
      await dispatch(planned, limits.now());
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, sender));
  return { exhausted, maxInFlight: limits.concurrency, maxLagMs: 0 };
}

/**
 * Open model: delivery i is due at start + i / rate, whether or not the receiver has answered the earlier ones (so a
 * slow receiver builds a backlog, which is reported, instead of slowing the generator down). Latency is measured from
 * the due time, so waiting in the backlog counts. At most `maxInFlight` deliveries are outstanding; past that the
 * generator falls behind schedule, and `maxLagMs` says by how much.
 */
export async function runOpen(
  source: DeliverySource,
  dispatch: Dispatch,
  limits: ScheduleLimits & {
    readonly ratePerSecond: number;
    readonly maxInFlight: number;
    readonly sleep: (ms: number) => Promise<void>;
  },
): Promise<ScheduleOutcome> {
  const interval = 1000 / limits.ratePerSecond;
  const start = limits.now();
  let issued = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let maxLagMs = 0;
  let exhausted = false;
  let allAnswered: (() => void) | undefined;

  const settleOne = () => {
    inFlight -= 1;
    if (inFlight === 0) allAnswered?.();
  };

  while (!exhausted && issued < limits.maxDeliveries) {
    const now = limits.now();
    if (limits.deadline !== null && now >= limits.deadline) break;
    const due = Math.min(limits.maxDeliveries, Math.floor((now - start) / interval) + 1);
    while (issued < due && inFlight < limits.maxInFlight) {
      const planned = source.next();
      if (planned === null) {
        exhausted = true;
        break;
      }
      const scheduledAt = start + issued * interval;
      maxLagMs = Math.max(maxLagMs, now - scheduledAt);
      issued += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      dispatch(planned, scheduledAt).then(settleOne, settleOne);
    }
    if (exhausted) break;
    await limits.sleep(Math.max(0, start + issued * interval - limits.now()));
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (allAnswered = resolve));
  return { exhausted, maxInFlight, maxLagMs: Math.round(maxLagMs * 10) / 10 };
}
