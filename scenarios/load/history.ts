import { Column } from './growable.js';

/** Status stored for an attempt that got no HTTP answer (timeout, reset, refused connection). */
export const NO_ANSWER = 0;
const UNANSWERED_LATENCY = 0xffff_ffff;

/**
 * Every delivery of a load run, indexed by delivery number, in typed arrays: which event, what kind, when it was sent,
 * the answer's status and the latency. About 19 bytes a delivery, so a million deliveries take about 19 MB.
 */
export class LoadHistory {
  readonly #event: Column<Uint32Array>;
  readonly #kind: Column<Uint8Array>;
  readonly #sentAt: Column<Float64Array>;
  readonly #latencyUs: Column<Uint32Array>;
  readonly #status: Column<Uint16Array>;

  constructor(expected = 1024) {
    const capacity = Math.min(Math.max(expected, 1024), 1 << 24);
    this.#event = new Column(Uint32Array, capacity);
    this.#kind = new Column(Uint8Array, capacity);
    this.#sentAt = new Column(Float64Array, capacity);
    this.#latencyUs = new Column(Uint32Array, capacity);
    this.#status = new Column(Uint16Array, capacity);
  }

  get size(): number {
    return this.#event.length;
  }

  /** Records a delivery as sent; returns its delivery number. */
  sent(event: number, kind: number, sentAtMs: number): number {
    const number = this.#event.push(event);
    this.#kind.set(number, kind);
    this.#sentAt.set(number, sentAtMs);
    this.#latencyUs.set(number, UNANSWERED_LATENCY);
    this.#status.set(number, NO_ANSWER);
    return number;
  }

  answered(number: number, status: number, latencyUs: number): void {
    this.#status.set(number, status);
    this.#latencyUs.set(number, Math.min(Math.max(0, Math.round(latencyUs)), UNANSWERED_LATENCY - 1));
  }

  event(number: number): number {
    return this.#event.get(number);
  }

  kind(number: number): number {
    return this.#kind.get(number);
  }

  status(number: number): number {
    return this.#status.get(number);
  }

  sentAtMs(number: number): number {
    return this.#sentAt.get(number);
  }

  /** Microseconds from (scheduled) sending to the answer; null when there was no answer. */
  latencyUs(number: number): number | null {
    const value = this.#latencyUs.get(number);
    return value === UNANSWERED_LATENCY ? null : value;
  }

  get bytes(): number {
    return this.#event.bytes + this.#kind.bytes + this.#sentAt.bytes + this.#latencyUs.bytes + this.#status.bytes;
  }
}

/** 2xx: acknowledged. */
export function isAcknowledged(status: number): boolean {
  return status >= 200 && status < 300;
}

/** 4xx (or another non-2xx below 500): refused. */
export function isRefused(status: number): boolean {
  return status !== NO_ANSWER && !isAcknowledged(status) && status < 500;
}
