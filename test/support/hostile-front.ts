import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/**
 * How a hostile receiver answers. The webhook modes change the answers to `POST /webhooks/*`, the probe modes those to
 * `GET /ipn-probe/orders/*`; everything else passes through unchanged, so the harness has a real receiver to judge.
 */
export type HostileMode = 'endless' | '64 MiB' | 'slow' | 'probe endless' | 'probe 200 MB';

export interface HostileFront {
  readonly base: string;
  /** Answers made hostile, and how many of them the harness hung up on before their end. */
  readonly stats: { hostile: number; cutByClient: number };
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
/** Spaces: what follows the real answer is still valid JSON whitespace; only its size (or its end) is hostile. */
const PADDING = Buffer.alloc(64 * 1024, ' ');
/** Longer than Stripe's 10 s timeout: every answer comes after the gateway stopped waiting. */
export const SLOW_ANSWER_MS = 12_000;
/**
 * Requests are forwarded whole up to this size (robust.bad-input sends bodies of 2–3 MiB, which the receiver answers
 * 413); a larger one is read to its end and thrown away, then refused, so its sender reads the answer, not a reset.
 */
const MAX_REQUEST_BYTES = 16 * MIB;

function sizeOf(mode: HostileMode): number {
  if (mode === '64 MiB') return 64 * MIB;
  if (mode === 'probe 200 MB') return 200_000_000;
  return Number.POSITIVE_INFINITY;
}

function isHostile(mode: HostileMode, method: string, url: string): boolean {
  if (mode.startsWith('probe')) return method === 'GET' && url.includes('/ipn-probe/orders/');
  return method === 'POST' && url.startsWith('/webhooks/');
}

async function readRequest(incoming: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? null : Buffer.concat(chunks);
}

/** Writes `first`, then padding until `total` bytes (Infinity: forever), respecting back-pressure; stops on hang-up. */
function stream(response: ServerResponse, first: Buffer, total: number, onCut: () => void): void {
  let written = 0;
  let sentFirst = false;
  let closed = false;
  response.on('close', () => {
    closed = true;
    if (written < total) onCut();
  });
  const pump = (): void => {
    while (!closed && written < total) {
      const next = sentFirst ? PADDING.subarray(0, Math.min(PADDING.length, total - written)) : first;
      sentFirst = true;
      written += next.length;
      if (!response.write(next)) return void response.once('drain', pump);
    }
    if (!closed) response.end();
  };
  pump();
}

/**
 * A loopback front for `upstream` (a real receiver) that answers in `mode`: the upstream's own status and body, then
 * padding that never ends or runs to 64 MiB / 200 MB, or the whole answer held back past the gateway's timeout.
 */
export async function startHostileFront(upstream: string, mode: HostileMode): Promise<HostileFront> {
  const stats = { hostile: 0, cutByClient: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(async (incoming, response) => {
    const method = incoming.method ?? 'GET';
    const url = incoming.url ?? '/';
    const body = await readRequest(incoming);
    if (body === null) return void response.writeHead(413).end();
    const headers = Object.fromEntries(
      Object.entries(incoming.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string | string[]>;
    const answer = await request(`${upstream}${url}`, {
      method: method as 'GET',
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    }).then(
      async (r) => ({
        status: r.statusCode,
        type: r.headers['content-type'],
        body: Buffer.from(await r.body.arrayBuffer()),
      }),
      () => ({ status: 502, type: 'text/plain', body: Buffer.from('upstream unreachable') }),
    );
    const contentType = typeof answer.type === 'string' ? answer.type : 'application/json';
    if (!isHostile(mode, method, url)) {
      return void response.writeHead(answer.status, { 'content-type': contentType }).end(answer.body);
    }
    stats.hostile += 1;
    if (mode === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) response.writeHead(answer.status, { 'content-type': contentType }).end(answer.body);
      }, SLOW_ANSWER_MS);
      timers.add(timer);
      response.on('close', () => {
        if (!response.writableEnded) stats.cutByClient += 1;
      });
      return;
    }
    response.writeHead(answer.status, { 'content-type': contentType });
    stream(response, answer.body, sizeOf(mode), () => {
      stats.cutByClient += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
