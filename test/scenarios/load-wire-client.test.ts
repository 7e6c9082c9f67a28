import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { NO_ANSWER } from '../../scenarios/load/history.js';
import { createWireClient, type WireClient } from '../../scenarios/load/wire-client.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

/** A raw TCP receiver: `answer` gets each request's bytes (head and body, once complete) and the socket. */
async function rawReceiver(answer: (request: string, socket: Socket) => void) {
  const connections: Socket[] = [];
  const received: string[] = [];
  const server: Server = createServer((socket) => {
    connections.push(socket);
    let buffer = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const request = buffer.slice(0, end + 4 + length);
        buffer = buffer.slice(end + 4 + length);
        received.push(request);
        answer(request, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  cleanups.push(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: new URL(`http://127.0.0.1:${port}/hook?x=1`), connections, received };
}

function client(url: URL, options: { timeoutMs?: number; maxAnswerBytes?: number } = {}): WireClient {
  const made = createWireClient({
    url,
    connections: 2,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxAnswerBytes: options.maxAnswerBytes ?? 1024,
  });
  cleanups.push(() => made.close());
  return made;
}

const body = Buffer.from('{"id":"evt_1"}');
const headers = { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=ab' };

test('a request leaves as one exact HTTP/1.1 message and the answer’s status comes back', async () => {
  const receiver = await rawReceiver((_, socket) =>
    socket.write('HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\nok'),
  );
  expect(await client(receiver.url).post(headers, body)).toBe(202);
  expect(receiver.received).toEqual([
    `POST /hook?x=1 HTTP/1.1\r\nhost: ${receiver.url.host}\r\nconnection: keep-alive\r\ncontent-type: application/json\r\nstripe-signature: t=1,v1=ab\r\ncontent-length: ${body.length}\r\n\r\n{"id":"evt_1"}`,
  ]);
});

/** Posts one request per answer, one after another, the receiver giving each its answer in turn. */
async function inTurn(answers: readonly string[]) {
  let n = 0;
  const receiver = await rawReceiver((_, socket) => socket.write(answers[n++] ?? ''));
  const wire = client(receiver.url);
  const statuses: number[] = [];
  for (let i = 0; i < answers.length; i += 1) statuses.push(await wire.post(headers, body));
  return { statuses, receiver };
}

test('answers with a length, chunked or empty keep the connection for the next request', async () => {
  const answers = [
    'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello',
    'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\ntrailer: 1\r\n\r\n',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n',
  ];
  const { statuses, receiver } = await inTurn(answers);
  expect(statuses).toEqual([200, 201, 204, 409]);
  expect(receiver.connections).toHaveLength(1);
});

test('a connection is kept as the answer says: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with keep-alive', async () => {
  const answers = [
    'HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.0 201 Created\r\nConnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 202 Accepted\r\nConnection: close\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 203 OK\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 204 No Content\r\n\r\n',
  ];
  const { statuses, receiver } = await inTurn(answers);
  expect(statuses).toEqual([200, 201, 202, 203, 204]);
  // A new connection after the plain HTTP/1.0 answer and after `Connection: close`; the others keep theirs.
  expect(receiver.connections).toHaveLength(3);
});

test('a status line that is not HTTP/1.x with three digits is no answer', async () => {
  for (const line of ['HTTP/2.0 200 OK', 'HTTP/1.1 2x0 OK', 'HTTP/1.1  200 OK', 'http/1.1 200 OK']) {
    const receiver = await rawReceiver((_, socket) => socket.write(`${line}\r\ncontent-length: 0\r\n\r\n`));
    expect(await client(receiver.url).post(headers, body), line).toBe(NO_ANSWER);
  }
});

test('an answer that ends with its connection keeps its status, and the next request opens a new one', async () => {
  const receiver = await rawReceiver((_, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nno length, then close'));
  const wire = client(receiver.url);
  expect(await wire.post(headers, body)).toBe(200);
  expect(await wire.post(headers, body)).toBe(200);
  expect(receiver.connections).toHaveLength(2);
});

test('an endless answer is cut past the byte limit, long before the timeout, with its status kept', async () => {
  const receiver = await rawReceiver((_, socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n');
    socket.write('x'.repeat(4096));
  });
  const wire = client(receiver.url, { timeoutMs: 600_000, maxAnswerBytes: 1024 });
  expect(await wire.post(headers, body)).toBe(200);
  // The cut connection is not used again.
  expect(await wire.post(headers, body)).toBe(200);
  expect(receiver.connections).toHaveLength(2);
});

test('no answer within the timeout, a reset, a garbled answer and a header that would split the request give no answer', async () => {
  const silent = await rawReceiver(() => undefined);
  expect(await client(silent.url, { timeoutMs: 50 }).post(headers, body)).toBe(NO_ANSWER);

  const reset = await rawReceiver((_, socket) => socket.resetAndDestroy());
  expect(await client(reset.url).post(headers, body)).toBe(NO_ANSWER);

  const garbled = await rawReceiver((_, socket) => socket.write('SMTP ready\r\n\r\n'));
  expect(await client(garbled.url).post(headers, body)).toBe(NO_ANSWER);

  const sound = await rawReceiver((_, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  expect(await client(sound.url).post({ 'x-a': 'one\r\nx-b: two' }, body)).toBe(NO_ANSWER);
  expect(sound.received).toEqual([]);
});

test('more requests than connections wait their turn and all are answered', async () => {
  const receiver = await rawReceiver((_, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  const wire = client(receiver.url);
  const statuses = await Promise.all(Array.from({ length: 20 }, () => wire.post(headers, body)));
  expect(statuses).toEqual(Array(20).fill(200));
  expect(receiver.connections).toHaveLength(2);
  expect(receiver.received).toHaveLength(20);
});
