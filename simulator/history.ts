import type { Delivery, Expectation, FaultTag } from './plan.js';

/**
 * Every attempt the gateway made, with its answer. `ok` = 2xx; `fail` = 4xx (or another non-2xx the gateway takes
 * as a refusal); `info` = timeout, reset or 5xx: the receiver may or may not have applied it.
 */
export type AttemptOutcome = 'ok' | 'fail' | 'info';

export interface Attempt {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly orderId: string;
  readonly label: string;
  readonly fault: FaultTag | null;
  readonly expect: Expectation;
  readonly attempt: number;
  /** Epoch milliseconds from the injected clock. */
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly statusCode: number | null;
  readonly outcome: AttemptOutcome;
  /** The first bytes of the answer, or the transport error. */
  readonly detail: string;
}

export function outcomeOf(statusCode: number | null): AttemptOutcome {
  if (statusCode === null || statusCode >= 500) return 'info';
  return statusCode >= 200 && statusCode < 300 ? 'ok' : 'fail';
}

export class DeliveryHistory {
  readonly #attempts: Attempt[] = [];

  record(attempt: Attempt): void {
    this.#attempts.push(attempt);
  }

  all(): readonly Attempt[] {
    return this.#attempts;
  }

  of(deliveries: readonly Pick<Delivery, 'id'>[]): Attempt[] {
    const ids = new Set(deliveries.map((d) => d.id));
    return this.#attempts.filter((a) => ids.has(a.deliveryId));
  }
}
