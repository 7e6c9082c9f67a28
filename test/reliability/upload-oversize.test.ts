import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { type StartReceiverOptions, startReceiver } from '../../receiver/server.js';
import { NOW_MS, temporaryDbFile } from '../receiver/receiver-fixture.js';

/**
 * A client that uploads a body over the receiver's limit, the way a well-behaved one does (it declares the length,
 * writes every byte, reads the answer), always reads the 413: the receiver neither closes nor resets the connection
 * while the client is still writing (which it sees as EPIPE or ECONNRESET, and loses the answer).
 */
const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x7b);
const UPLOAD_DEADLINE_MS = 10_000;

interface RawAnswer {
  /** The status line's code, or null when no answer head arrived. */
  readonly status: number | null;
  readonly body: string;
  /** The socket error the client met (EPIPE, ECONNRESET…), if any. */
  readonly error: string | null;
}

/**
 * POSTs a body declared as `size` bytes over a raw socket, writing `send` of them (all by default) with back-pressure,
 * and reads the whole answer; `headers` are added to the request head.
 */
function upload(
  port: number,
  path: string,
  size: number,
  { send = size, headers = '' }: { send?: number; headers?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | null = null;
    let sent = 0;
    const finish = () => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(parse(Buffer.concat(received).toString('latin1'), error));
    };
    const deadline = setTimeout(() => {
      error ??= 'deadline';
      finish();
    }, UPLOAD_DEADLINE_MS);
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (complete(Buffer.concat(received).toString('latin1')) && sent >= send) finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('close', finish);
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n${headers}\r\n`,
    );
    const pump = () => {
      while (sent < send && !socket.destroyed) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, send - sent));
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      if (complete(Buffer.concat(received).toString('latin1'))) finish();
    };
    pump();
  });
}

/** Whether `text` holds an answer head and the whole body its content-length announces. */
function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && text.length - end - 4 >= Number(length);
}

function parse(text: string, error: string | null): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
  return { status: status === undefined ? null : Number(status), body: end < 0 ? '' : text.slice(end + 4), error };
}

async function receiver(options: Partial<StartReceiverOptions> = {}) {
  const running = await startReceiver({
    secrets: { stripe: providers.stripe.secret.generate(new Uint8Array(32).fill(1)) },
    dbFile: await temporaryDbFile(),
    clock: manualClock(NOW_MS),
    ...options,
  });
  onTestFinished(() => running.close());
  return { ...running, port: Number(new URL(running.url).port) };
}

test('uploads of 2 MiB and 8 MiB to the default 1 MiB limit read a 413 JSON answer 20 times in a row, never a reset', async () => {
  const { port } = await receiver();
  const answers: RawAnswer[] = [];
  for (let round = 0; round < 20; round += 1) {
    for (const size of [2 * MIB, 8 * MIB]) answers.push(await upload(port, '/webhooks/stripe', size));
  }
  const failures = answers.filter((answer) => answer.status !== 413 || answer.error !== null);
  expect(failures).toEqual([]);
  for (const answer of answers) expect(JSON.parse(answer.body)).toMatchObject({ error: 'body_too_large' });
});

test('the same holds for a route that does not exist, and for a client that asks to close the connection', async () => {
  const { port } = await receiver();
  const answers = [
    await upload(port, '/webhooks/nowhere', 8 * MIB),
    await upload(port, '/webhooks/stripe', 8 * MIB, { headers: 'connection: close\r\n' }),
    await upload(port, '/webhooks/nowhere', 8 * MIB, { headers: 'connection: close\r\n' }),
  ];
  expect(answers.map((answer) => [answer.status, answer.error])).toEqual([
    [413, null],
    [413, null],
    [413, null],
  ]);
});

test('a body declared over 64 times the limit is not read: 413 at once and the connection closed', async () => {
  const { port } = await receiver();
  const started = performance.now();
  const answer = await upload(port, '/webhooks/stripe', 65 * MIB, { send: 0 });
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toMatchObject({ error: 'body_too_large' });
  expect(performance.now() - started).toBeLessThan(UPLOAD_DEADLINE_MS / 2);
});

test('an oversize upload that stalls half-way is not waited for: the request timeout closes it with a 408', async () => {
  const { port, app } = await receiver({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
  const started = performance.now();
  const answer = await upload(port, '/webhooks/stripe', 8 * MIB, { send: 2 * MIB });
  const elapsedMs = performance.now() - started;
  expect(answer.status).toBe(408);
  expect(elapsedMs).toBeGreaterThanOrEqual(1_000 - 50);
  expect(elapsedMs).toBeLessThan(3_000);
  // The receiver carries on.
  expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
});
