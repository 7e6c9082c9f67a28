import { Pool } from 'undici';
import { type Clock, unixSeconds } from '../../contracts/clock.js';
import type { Delivery } from '../../simulator/plan.js';
import type { LoadHistory } from './history.js';
import { NO_ANSWER } from './history.js';
import type { LatencyRecorder } from './latency.js';
import type { Dispatch } from './schedule.js';
import { createWireClient } from './wire-client.js';

export interface SenderOptions {
  readonly target: string;
  /** Keep-alive connections to the receiver. */
  readonly connections: number;
  readonly timeoutMs: number;
  readonly history: LoadHistory;
  readonly latency: LatencyRecorder;
  /** The wall clock each delivery is signed with as it leaves. */
  readonly clock: Clock;
  /** Monotonic milliseconds; the run's start on the same scale. */
  readonly now: () => number;
  readonly startedAt: number;
  /** Each answer as it arrives (`load --verbose`): the delivery, its status (NO_ANSWER: none) and its time. */
  readonly onAnswer?: (answer: { readonly delivery: Delivery; readonly status: number; readonly ms: number }) => void;
}

export interface Sender {
  readonly dispatch: Dispatch;
  /** Deliveries sent and not answered yet. */
  inFlight(): number;
  close(): Promise<void>;
}

type Post = (headers: Readonly<Record<string, string>>, body: Uint8Array) => Promise<number>;

/**
 * Sends deliveries over keep-alive connections, each signed as it leaves, and records each answer in the history:
 * plain `http:` targets through the load generator's own HTTP/1.1 client (one buffer written per request), others
 * (`https:`) through an undici pool.
 */
export function createSender(options: SenderOptions): Sender {
  const url = new URL(options.target);
  const { history, latency, now, startedAt, clock, timeoutMs } = options;
  let post: Post;
  let close: () => Promise<void>;
  if (url.protocol === 'http:') {
    const client = createWireClient({
      url,
      connections: options.connections,
      timeoutMs,
      maxAnswerBytes: MAX_ANSWER_BYTES,
    });
    post = client.post;
    close = client.close;
  } else {
    const path = `${url.pathname}${url.search}`;
    const pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 10_000, pipelining: 1 });
    post = (headers, body) => postThrough(pool, { path, headers, body, timeoutMs });
    close = () => pool.close();
  }
  let inFlight = 0;

  const dispatch: Dispatch = async (planned, scheduledAt) => {
    const number = history.sent(planned.event, planned.kind, scheduledAt - startedAt);
    inFlight += 1;
    const { request } = planned.delivery.sign(unixSeconds(clock));
    const status = await post(request.headers, request.body);
    inFlight -= 1;
    const answeredAt = now();
    const latencyUs = (answeredAt - scheduledAt) * 1000;
    history.answered(number, status, latencyUs);
    if (status !== NO_ANSWER) latency.record(answeredAt - startedAt, latencyUs);
    options.onAnswer?.({ delivery: planned.delivery, status, ms: latencyUs / 1000 });
  };

  return { dispatch, inFlight: () => inFlight, close };
}

/** The most of one answer's body read; past it the connection is dropped, the answer's status kept. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST through the pool's low-level `dispatch`, resolving with the status code (NO_ANSWER on a transport error or
 * timeout). The answer's body is read and dropped without a stream object per response: the generator's hot path.
 * The timeout bounds the whole answer, and a body past MAX_ANSWER_BYTES is cut: a receiver that streams forever costs
 * one timer, not a hung run.
 */
function postThrough(
  pool: Pool,
  request: { path: string; headers: Readonly<Record<string, string>>; body: Uint8Array; timeoutMs: number },
): Promise<number> {
  return new Promise((resolve) => {
    let status = NO_ANSWER;
    let bytes = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let cut: ((reason: Error) => void) | undefined;
    const finish = (answer: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(answer);
    };
    pool.dispatch(
      {
        path: request.path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      },
      {
        onConnect: (abort) => {
          cut = abort;
          timer = setTimeout(() => {
            // Headers seen: the answer stands, only its endless body is cut. None: a timeout, no answer.
            finish(status);
            abort(new Error('the answer did not end within the gateway timeout'));
          }, request.timeoutMs);
        },
        onHeaders: (statusCode) => {
          status = statusCode;
          return true;
        },
        onData: (chunk) => {
          bytes += chunk.length;
          if (bytes <= MAX_ANSWER_BYTES) return true;
          finish(status);
          cut?.(new Error('the answer is longer than the gateway reads'));
          return false;
        },
        onComplete: () => finish(status),
        onError: () => finish(NO_ANSWER),
      },
    );
  });
}
