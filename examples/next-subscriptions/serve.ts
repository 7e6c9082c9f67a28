/**
 * A tiny node:http adapter for a route handler, standing in for Next.js: it turns each IncomingMessage into a web
 * Request carrying the raw body bytes (never a parsed body) and writes the Response back. Listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the handler is mounted, as `app/api/webhooks/stripe/route.ts` would be. */
export const ROUTE_PATH = '/api/webhooks/stripe';
/** Next.js's default body limit for route handlers is larger; 1 MiB is plenty for a webhook and bounds memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface Served {
  readonly url: string;
  readonly close: () => Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is still read to its end (and dropped): leaving a `for await` early destroys the request
  // stream and its keep-alive socket, and the gateway's next deliveries on that socket are reset (robust.bad-input's
  // answer.crashed, named after those deliveries, not the oversized one).
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
}

function toRequest(message: IncomingMessage, body: Buffer, origin: string): Request {
  const headers = new Headers();
  // rawHeaders keeps a header sent twice as two values, as a real edge would pass them on.
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) {
    headers.append(message.rawHeaders[i] as string, message.rawHeaders[i + 1] as string);
  }
  const method = message.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(message.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody ? { body: body } : {}),
  });
}

export async function serve(post: (request: Request) => Promise<Response>): Promise<Served> {
  let origin = 'http://127.0.0.1';
  const server: Server = createServer((message, reply) => {
    const send = (status: number, text: string) => {
      if (!reply.headersSent) reply.writeHead(status, { 'content-type': 'text/plain' });
      reply.end(text);
    };
    void (async () => {
      const path = new URL(message.url ?? '/', origin).pathname;
      if (path !== ROUTE_PATH) return send(404, 'not found');
      if (message.method !== 'POST') return send(405, 'method not allowed');
      const body = await readBody(message);
      if (body === null) return send(413, 'payload too large');
      const response = await post(toRequest(message, body, origin));
      reply.writeHead(response.status, Object.fromEntries(response.headers));
      reply.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      // As Next.js does for a handler that throws: 500, and the gateway retries.
      send(500, error instanceof Error ? error.message : 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${ROUTE_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
