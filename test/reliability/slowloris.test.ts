import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { startReceiver } from '../../receiver/server.js';
import { NOW_MS, NOW_SECONDS, step, temporaryDbFile } from '../receiver/receiver-fixture.js';
import { recordFigures, sized } from '../support/reliability.js';

/**
 * Slowloris: clients that open connections and never finish their request — headers trickled a byte at a time,
 * headers sent and the body trickled, or nothing sent at all — must each be closed by the receiver within its timeouts, and a genuine
 * delivery still gets its 200 while they hang on and after they are gone. The trickle keeps every socket busy, so an
 * idle timeout alone would not catch them: only the headers and request timeouts do.
 */
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
/** Node checks for expired requests every quarter of the headers timeout; allow for that and a loaded machine. */
const CLOSE_BOUND_MS = REQUEST_TIMEOUT_MS + 1_500;
const TRICKLE_EVERY_MS = 200;
/** 200, 20 and 20 in `npm test`; 1,000, 100 and 100 in `npm run reliability`. */
const STALLED_BODIES = sized('SLOWLORIS_BODIES', 200, 1_000);
const UNFINISHED_HEADERS = sized('SLOWLORIS_HEADERS', 20, 100);
const SILENT = sized('SLOWLORIS_SILENT', 20, 100);
/** How long the test waits for the last stalled client to be closed before it judges. */
const GIVE_UP_MS = 8_000;

const stripe = providers.stripe;
const secret = stripe.secret.generate(new Uint8Array(32).fill(1));

interface Stalled {
  readonly kind: 'body' | 'headers' | 'silent';
  readonly socket: Socket;
  readonly openedAt: number;
  /** Milliseconds from opening to the server closing it; null while open. */
  closedAfterMs: number | null;
  /** What the server wrote before closing (its status line, if any). */
  answer: string;
  /** The request bytes still to trickle. */
  rest: string;
}

function openStalled(port: number, kind: Stalled['kind']): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const head = `POST /webhooks/stripe HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n`;
    const stalled: Stalled = { kind, socket, openedAt: performance.now(), closedAfterMs: null, answer: '', rest: '' };
    socket.on('data', (chunk) => {
      stalled.answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      stalled.closedAfterMs = performance.now() - stalled.openedAt;
    });
    socket.once('connect', () => {
      if (kind === 'silent') return resolve(stalled);
      if (kind === 'headers') {
        // A header block that never ends: the first line, then one byte of a header at a time.
        socket.write(head.slice(0, 20));
        stalled.rest = `${head.slice(20)}x-slow: ${'s'.repeat(10_000)}`;
      } else {
        // Headers complete, a body of 10,000 bytes of which only the first few arrive, then one byte at a time.
        socket.write(`${head}content-length: 10000\r\n\r\n{"id":`);
        stalled.rest = 'x'.repeat(9_000);
      }
      resolve(stalled);
    });
    socket.once('error', reject);
  });
}

async function genuineDelivery(url: string, orderId: string): Promise<number> {
  const { event, eventId } = stripe.buildEvent(step(orderId, 'succeeded'));
  const request = signedRequest(stripe, {
    body: stripe.encode(event),
    eventId,
    secrets: [secret],
    timestamp: NOW_SECONDS,
  });
  const response = await fetch(`${url}/webhooks/stripe`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(5_000),
  });
  await response.body?.cancel();
  return response.status;
}

test(`${STALLED_BODIES} stalled bodies, ${UNFINISHED_HEADERS} unfinished header blocks and ${SILENT} silent connections are each closed within the timeouts; genuine deliveries get 200 throughout`, async () => {
  const receiver = await startReceiver({
    secrets: { stripe: secret },
    dbFile: await temporaryDbFile(),
    clock: manualClock(NOW_MS),
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    // Idle sockets are not what is tested here (the trickle keeps them busy): long, so it cannot be what closes them.
    connectionTimeoutMs: 60_000,
  });
  onTestFinished(() => receiver.close());
  const port = Number(new URL(receiver.url).port);

  const stalled = await Promise.all([
    ...Array.from({ length: STALLED_BODIES }, () => openStalled(port, 'body')),
    ...Array.from({ length: UNFINISHED_HEADERS }, () => openStalled(port, 'headers')),
    ...Array.from({ length: SILENT }, () => openStalled(port, 'silent')),
  ]);
  onTestFinished(() => {
    for (const { socket } of stalled) socket.destroy();
  });
  const trickle = setInterval(() => {
    for (const s of stalled) {
      if (s.closedAfterMs !== null || s.rest === '') continue;
      s.socket.write(s.rest.slice(0, 1));
      s.rest = s.rest.slice(1);
    }
  }, TRICKLE_EVERY_MS);
  onTestFinished(() => clearInterval(trickle));

  // While they hang on: all open when it is sent, the stalled bodies still open when its 200 arrives.
  const openBeforeIt = stalled.filter((s) => s.closedAfterMs === null).length;
  const during = await genuineDelivery(receiver.url, 'ord_during');
  const bodiesClosedByThen = stalled.filter((s) => s.kind === 'body' && s.closedAfterMs !== null);

  const started = performance.now();
  while (stalled.some((s) => s.closedAfterMs === null) && performance.now() - started < GIVE_UP_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  clearInterval(trickle);
  const after = await genuineDelivery(receiver.url, 'ord_after');
  for (const kind of ['body', 'headers', 'silent'] as const) {
    const mine = stalled.filter((s) => s.kind === kind);
    const closed = mine.flatMap((s) => (s.closedAfterMs === null ? [] : [s.closedAfterMs]));
    await recordFigures('slowloris', {
      connections: `${mine.length} ${kind === 'body' ? 'stalled bodies' : kind === 'headers' ? 'unfinished header blocks' : 'silent'}`,
      closed: closed.length,
      'first closed s': closed.length === 0 ? '—' : Math.round(Math.min(...closed) / 100) / 10,
      'last closed s': closed.length === 0 ? '—' : Math.round(Math.max(...closed) / 100) / 10,
      answers: [...new Set(mine.map((s) => s.answer.split('\r\n')[0] || '(none)'))].join(', '),
      'genuine delivery during / after': `${during} / ${after}`,
    });
  }

  expect(openBeforeIt).toBe(stalled.length);
  expect(during).toBe(200);
  expect(bodiesClosedByThen).toEqual([]);
  const open = stalled.filter((s) => s.closedAfterMs === null);
  expect(open.map((s) => s.kind)).toEqual([]);
  for (const kind of ['body', 'headers', 'silent'] as const) {
    const closed = stalled.filter((s) => s.kind === kind).map((s) => s.closedAfterMs ?? Number.POSITIVE_INFINITY);
    // Not before its timeout, and not long after it.
    // A silent connection has begun no header block either: the headers timeout runs from the connection.
    const timeout = kind === 'body' ? REQUEST_TIMEOUT_MS : HEADERS_TIMEOUT_MS;
    expect(Math.min(...closed)).toBeGreaterThanOrEqual(timeout - 50);
    expect(Math.max(...closed)).toBeLessThan(CLOSE_BOUND_MS);
  }
  // Each was told why: the 408 Node and fastify write when a request times out.
  expect(new Set(stalled.map((s) => s.answer.split('\r\n')[0]))).toEqual(new Set(['HTTP/1.1 408 Request Timeout']));

  // And after.
  expect(after).toBe(200);
});
