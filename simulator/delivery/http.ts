import { Pool } from 'undici';
import type { Clock } from '../../contracts/clock.js';
import { type Attempt, type DeliveryHistory, outcomeOf } from '../history.js';
import type { Delivery, PlanStep } from '../plan.js';

/** Delivers over real HTTP with undici: keep-alive connections, a per-request timeout, every attempt in the history. */
export interface HttpDeliverer {
  /** Runs one plan step: its deliveries leave together and the step ends when all are answered. */
  deliverStep(step: PlanStep): Promise<Attempt[]>;
  close(): Promise<void>;
}

export interface HttpDelivererOptions {
  /** The receiver's webhook URL, e.g. http://127.0.0.1:3000/webhooks/stripe */
  readonly target: string;
  readonly timeoutMs: number;
  /** Most connections open at once; a concurrent step never waits for a connection below this. */
  readonly connections: number;
  readonly clock: Clock;
  readonly history: DeliveryHistory;
}

const MAX_DETAIL = 300;

export function createHttpDeliverer(options: HttpDelivererOptions): HttpDeliverer {
  const url = new URL(options.target);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 10_000 });
  const attempts = new Map<string, number>();

  async function deliverOne(delivery: Delivery): Promise<Attempt> {
    const attempt = (attempts.get(delivery.id) ?? 0) + 1;
    attempts.set(delivery.id, attempt);
    const sentAt = options.clock();
    let statusCode: number | null = null;
    let detail = '';
    try {
      const response = await pool.request({
        path,
        method: delivery.request.method,
        headers: delivery.rawHeaders?.flat() ?? delivery.request.headers,
        body: delivery.request.body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      statusCode = response.statusCode;
      detail = (await response.body.text()).slice(0, MAX_DETAIL);
    } catch (error) {
      detail = describeTransportError(error);
    }
    const record: Attempt = {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      orderId: delivery.orderId,
      label: delivery.label,
      fault: delivery.fault,
      expect: delivery.expect,
      attempt,
      sentAt,
      answeredAt: options.clock(),
      statusCode,
      outcome: outcomeOf(statusCode),
      detail,
    };
    options.history.record(record);
    return record;
  }

  return {
    // All requests of a step are handed to the pool in one synchronous pass, so they leave together.
    deliverStep: (step) => Promise.all(step.map(deliverOne)),
    close: () => pool.close(),
  };
}

function describeTransportError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    return `${code}${error.message}`.slice(0, MAX_DETAIL);
  }
  return String(error).slice(0, MAX_DETAIL);
}
