import { Pool } from 'undici';
import { type Clock, unixSeconds } from '../../contracts/clock.js';
import { deadline } from '../../contracts/deadline.js';
import { type Attempt, type DeliveryHistory, outcomeOf } from '../history.js';
import type { Delivery, PlanStep, SignedAttempt } from '../plan.js';
import { answerExcerpt, readAnswerBody } from './bounded-answer.js';

/**
 * Delivers over real HTTP with undici: keep-alive connections, a per-request timeout, every attempt in the history,
 * numbered per delivery id (a retry of a delivery is its attempt 2, 3…). Each attempt is signed just before it leaves.
 */
export interface HttpDeliverer {
  /** Runs one plan step: its deliveries leave together and the step ends when all are answered. */
  deliverStep(step: PlanStep): Promise<Attempt[]>;
  /**
   * Opens at least `connections` keep-alive connections (concurrent `HEAD` requests to the target, not recorded), so
   * the copies of a race then leave over established connections instead of racing their TCP handshakes.
   */
  warm?(connections: number): Promise<void>;
  close(): Promise<void>;
}

export interface HttpDelivererOptions {
  /** The receiver's webhook URL, e.g. http://127.0.0.1:3000/webhooks/stripe */
  readonly target: string;
  /**
   * More instances of the same receiver (behind one database). Deliveries go to the targets in turn, so the copies of
   * a concurrent step are spread across instances.
   */
  readonly otherTargets?: readonly string[];
  readonly timeoutMs: number;
  /** Most connections open at once; a concurrent step never waits for a connection below this. */
  readonly connections: number;
  readonly clock: Clock;
  readonly history: DeliveryHistory;
}

const MAX_DETAIL = 300;
/** The most of an answer's body the gateway reads; the rest is cut (a receiver streaming gigabytes costs nothing). */
const MAX_ANSWER_BYTES = 4 * 1024;

export function createHttpDeliverer(options: HttpDelivererOptions): HttpDeliverer {
  const endpoints = [options.target, ...(options.otherTargets ?? [])].map((target) => {
    const url = new URL(target);
    return {
      path: `${url.pathname}${url.search}`,
      pool: new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 10_000 }),
    };
  });
  const attempts = new Map<string, number>();
  let turn = 0;
  const nextEndpoint = () => {
    const endpoint = endpoints[turn % endpoints.length];
    turn += 1;
    if (endpoint === undefined) throw new Error('no target to deliver to');
    return endpoint;
  };

  async function deliverOne(delivery: Delivery, signed: SignedAttempt): Promise<Attempt> {
    const attempt = (attempts.get(delivery.id) ?? 0) + 1;
    attempts.set(delivery.id, attempt);
    const sentAt = options.clock();
    let statusCode: number | null = null;
    let detail = '';
    const { pool, path } = nextEndpoint();
    const timer = deadline(delivery.timeoutMs ?? options.timeoutMs);
    try {
      const response = await pool.request({
        ...(signed.get === undefined
          ? { path, method: signed.request.method, body: signed.request.body }
          : { path: withQuery(path, signed.get.query), method: 'GET' as const }),
        headers: signed.rawHeaders?.flat() ?? signed.request.headers,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        // The gateway's timeout bounds the whole answer, body included, not each idle gap (undici's own timeouts are
        // per gap and coarse, about a second); a short, exact give-up needs a native timer too.
        signal: timer.signal,
      });
      statusCode = response.statusCode;
      detail = answerExcerpt(await readAnswerBody(response.body, MAX_ANSWER_BYTES), MAX_DETAIL);
    } catch (error) {
      detail = describeTransportError(error);
    } finally {
      timer.clear();
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
    deliverStep: (step) => {
      // Signed as they leave, all at one second (copies released together are byte-identical); a delivery that cannot
      // be signed throws before any of the step has left. Then all are handed to the pool in one synchronous pass.
      const nowSeconds = unixSeconds(options.clock);
      const signed = step.map((delivery) => ({ delivery, request: delivery.sign(nowSeconds) }));
      return Promise.all(signed.map(({ delivery, request }) => deliverOne(delivery, request)));
    },
    warm: async (connections) => {
      const perEndpoint = Math.min(connections, options.connections);
      const head = ({ pool, path }: (typeof endpoints)[number]) =>
        pool
          .request({ path, method: 'HEAD', signal: AbortSignal.timeout(options.timeoutMs) })
          .then((response) => response.body.dump())
          .catch(() => undefined);
      await Promise.all(endpoints.flatMap((endpoint) => Array.from({ length: perEndpoint }, () => head(endpoint))));
    },
    close: async () => {
      await Promise.all(endpoints.map((endpoint) => endpoint.pool.close()));
    },
  };
}

/** The path with more query parameters, encoded. */
function withQuery(path: string, query: Readonly<Record<string, string>>): string {
  const [base = path, search = ''] = path.split('?', 2);
  const params = new URLSearchParams(search);
  for (const [name, value] of Object.entries(query)) params.set(name, value);
  return `${base}?${params.toString()}`;
}

function describeTransportError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    return `${code}${error.message}`.slice(0, MAX_DETAIL);
  }
  return String(error).slice(0, MAX_DETAIL);
}
