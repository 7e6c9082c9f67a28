import { Agent, request } from 'undici';
import { type Clock, systemClock } from '../contracts/clock.js';
import { deadline as deadlineOf } from '../contracts/deadline.js';
import { IpnError } from '../contracts/errors.js';
import {
  type Health,
  HealthSchema,
  type OrderStatus,
  type OrderView,
  OrderViewSchema,
  PROBE_TOKEN_ENV,
  type PutOrderBody,
  probeAuthorization,
  RECONCILE_PATH,
} from '../contracts/probe.js';
import { answerExcerpt, readAnswerBody } from '../simulator/delivery/bounded-answer.js';
import type { ProbeCall } from './record/run-record.js';

/** The harness's side of the probe contract: three plain HTTP calls to any receiver. */
export interface ProbeClient {
  health(): Promise<Health>;
  putOrder(orderId: string, body: PutOrderBody): Promise<void>;
  /** null when the receiver answers 404 (it does not know the order). */
  getOrder(orderId: string): Promise<OrderView | null>;
  /**
   * `POST {probe}/reconcile`: one reconcile pass now, answered with its status and body (404: not offered). Absent on
   * probes that cannot ask for one (SQL, module): the harness then waits for a scheduled pass.
   */
  reconcile?(provider: string): Promise<{ readonly status: number; readonly text: string }>;
}

export interface ProbeClientOptions {
  /** Sent as `authorization: Bearer <token>` on every call (the reference receiver requires it). */
  readonly token?: string;
  /** The longest one call may take, answer body included (default 10 s). */
  readonly deadlineMs?: number;
  /** Each call as it was made and answered (the run log records them). */
  readonly onCall?: (call: ProbeCall) => void;
  /** Times the calls for `onCall` (default Date.now, read only when `onCall` is given). */
  readonly clock?: Clock;
  /** The receiver's status words mapped to the contract's (its profile's), applied before an order is validated. */
  readonly statuses?: Readonly<Record<string, OrderStatus>>;
}

const DEADLINE_MS = 10_000;
/** A probe answer is one small JSON object; anything longer is off-contract and is not read further. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Probe calls in flight at once; reading thousands of orders queues instead of opening thousands of sockets. */
const CONNECTIONS = 16;

export function createProbeClient(base: string, options: ProbeClientOptions = {}): ProbeClient {
  const root = base.replace(/\/+$/, '');
  const url = (path: string) => `${root}${path}`;
  const dispatcher = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 2_000 });
  const deadlineMs = options.deadlineMs ?? DEADLINE_MS;
  const authorization = options.token === undefined ? {} : { authorization: probeAuthorization(options.token) };

  const clock = options.clock ?? systemClock;
  async function call(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, deadline = deadlineMs) {
    if (options.onCall === undefined) return send(method, path, body, deadline);
    const sentAt = clock();
    try {
      const answer = await send(method, path, body, deadline);
      options.onCall({
        method,
        path,
        sentAt,
        answeredAt: clock(),
        status: answer.status,
        detail: answer.text.slice(0, 300),
      });
      return answer;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      options.onCall({ method, path, sentAt, answeredAt: clock(), status: null, detail: detail.slice(0, 300) });
      throw error;
    }
  }

  async function send(method: 'GET' | 'PUT' | 'POST', path: string, body: unknown, deadline: number) {
    let answer: { status: number; text: string };
    const timer = deadlineOf(deadline);
    try {
      const response = await request(url(path), {
        dispatcher,
        method,
        // The deadline covers the whole call: a probe that trickles an endless answer is cut, not waited for.
        signal: timer.signal,
        headers: { ...authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const read = await readAnswerBody(response.body, MAX_ANSWER_BYTES);
      if (read.end !== 'complete') {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `${method} ${url(path)} answered ${response.statusCode} with a body ${read.end === 'cap' ? `longer than ${MAX_ANSWER_BYTES} bytes` : `that did not end within ${deadline} ms`}: ${answerExcerpt(read, 120)}`,
        );
      }
      answer = { status: response.statusCode, text: read.bytes.toString('utf8') };
    } catch (error) {
      if (error instanceof IpnError) throw error;
      throw new IpnError(
        'IPN_ERR_PROBE_MISSING',
        `the probe at ${url(path)} could not be reached or did not answer within ${deadline} ms (${String(error)}).`,
        { cause: error },
      );
    } finally {
      timer.clear();
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new IpnError(
        'IPN_ERR_PROBE_UNAUTHORIZED',
        `${method} ${url(path)} answered ${answer.status}${options.token === undefined ? ' and the gauntlet has no probe token' : ': the probe token was refused'} (${answer.text.slice(0, 160)}).`,
        {
          hint: `Give the gauntlet the token your receiver's probe expects: --probe-token or ${PROBE_TOKEN_ENV} (the reference receiver reads the same variable).`,
        },
      );
    }
    return answer;
  }

  function json(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new IpnError(
        'IPN_ERR_PROBE_INVALID',
        `${what} answered with a body that is not JSON: ${text.slice(0, 120)}`,
      );
    }
  }

  return {
    async health() {
      const { status, text } = await call('GET', '/health');
      if (status !== 200) {
        throw new IpnError('IPN_ERR_PROBE_MISSING', `GET ${url('/health')} answered ${status}, not 200.`);
      }
      if (text.trim() === '') return {};
      const parsed = HealthSchema.safeParse(json(text, `GET ${url('/health')}`));
      return parsed.success ? parsed.data : {};
    },
    async putOrder(orderId, body) {
      const path = `/orders/${encodeURIComponent(orderId)}`;
      const { status, text } = await call('PUT', path, body);
      if (status < 200 || status >= 300) {
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `PUT ${url(path)} answered ${status} (${text.slice(0, 160)}); the probe must create the order and answer 2xx.`,
        );
      }
    },
    async getOrder(orderId) {
      const path = `/orders/${encodeURIComponent(orderId)}`;
      const { status, text } = await call('GET', path);
      if (status === 404) return null;
      if (status !== 200) throw new IpnError('IPN_ERR_PROBE_INVALID', `GET ${url(path)} answered ${status}, not 200.`);
      const parsed = OrderViewSchema.safeParse(mapStatus(json(text, `GET ${url(path)}`), options.statuses));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new IpnError(
          'IPN_ERR_PROBE_INVALID',
          `GET ${url(path)} answered an order the probe contract does not allow: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}.`,
        );
      }
      return parsed.data;
    },
    async reconcile(provider) {
      const path = `${RECONCILE_PATH}?provider=${encodeURIComponent(provider)}`;
      const { status, text } = await call('POST', path, undefined, RECONCILE_DEADLINE_MS);
      return { status, text };
    },
  };
}

/** A reconcile pass pages through a whole backlog: it may take longer than a read. */
const RECONCILE_DEADLINE_MS = 60_000;

/** An order whose status is one of the receiver's own words, with the contract's in its place (unknown words stay). */
export function mapStatus(order: unknown, statuses: Readonly<Record<string, OrderStatus>> | undefined): unknown {
  if (statuses === undefined || typeof order !== 'object' || order === null) return order;
  const status = (order as { status?: unknown }).status;
  if (typeof status !== 'string' || !Object.hasOwn(statuses, status)) return order;
  return { ...order, status: statuses[status] };
}
