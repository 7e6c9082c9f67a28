import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, unixSeconds } from '../../contracts/clock.js';
import type { HeaderMap } from '../../contracts/wire.js';

/** One request as the receiver got it: its bytes, its headers (as sent, repeats kept) and the second it arrived. */
export interface Received {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** Name and value pairs in the order they came, names lower-cased (Node's `rawHeaders`). */
  readonly rawHeaders: readonly (readonly [string, string])[];
  /** Unix seconds on the test's clock when the request had fully arrived. */
  readonly receivedAt: number;
}

export interface LoopbackReceiverOptions {
  readonly clock: Clock;
  /** The status to answer, given what arrived and how many requests came before it. */
  readonly answer?: (request: Received, index: number) => number;
  /** Real milliseconds each answer is held back (a slow receiver or a proxy in front of it), or a choice per request. */
  readonly holdMs?: number | ((request: Received, index: number) => number);
  /** Runs once the request has arrived, before the answer: e.g. moves the test's clock on, as a slow answer does. */
  readonly onReceived?: (request: Received) => void;
}

/** A node:http server on a free loopback port that records every request and answers after `holdMs`. */
export async function loopbackReceiver(options: LoopbackReceiverOptions) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        pairs.push([(req.rawHeaders[i] ?? '').toLowerCase(), req.rawHeaders[i + 1] ?? '']);
      }
      const request: Received = {
        body: Buffer.concat(chunks),
        headers: req.headers,
        rawHeaders: pairs,
        receivedAt: unixSeconds(options.clock),
      };
      const index = received.length;
      received.push(request);
      options.onReceived?.(request);
      const hold = typeof options.holdMs === 'function' ? options.holdMs(request, index) : (options.holdMs ?? 0);
      setTimeout(() => {
        res.statusCode = options.answer?.(request, index) ?? 200;
        res.end('{"ok":true}');
      }, hold);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request as a provider's `verify` reads it. */
export function asWire(request: Received): { body: Uint8Array; headers: HeaderMap } {
  return { body: new Uint8Array(request.body), headers: request.headers };
}
