import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, expect, onTestFinished, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { LoadReportSchema } from '../../scenarios/load/report.js';
import { createProbeClient } from '../../scenarios/probe-client.js';
import { createHttpDeliverer } from '../../simulator/delivery/http.js';
import { eventsOf } from '../../simulator/events.js';
import { DeliveryHistory } from '../../simulator/history.js';
import { createSigningContext, deliveryOf } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { fakeIo } from '../support/fake-io.js';

/**
 * Receivers that answer in ways no correct one does — a body that never ends, one of 64 MiB, headers that never come —
 * cost the harness a bounded time and a bounded amount of memory, and still give an answer it can judge.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** What the hostile server saw of each answer it tried to stream: bytes written, and whether the client hung up. */
interface Streamed {
  written: number;
  clientClosedEarly: boolean;
  /** Resolves when the answer's connection is gone (the server learns of a hang-up a moment after it happens). */
  closed: Promise<void>;
}

/** A loopback server answering every request with `status` and a body of `bytes` (Infinity: never ends). */
async function streamingServer(status: number, bytes: number) {
  const answers: Streamed[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    let closed = false;
    let markClosed: () => void = () => undefined;
    const streamed: Streamed = {
      written: 0,
      clientClosedEarly: false,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    answers.push(streamed);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.on('close', () => {
      closed = true;
      if (streamed.written < bytes) streamed.clientClosedEarly = true;
      markClosed();
    });
    const pump = () => {
      while (!closed && streamed.written < bytes) {
        streamed.written += CHUNK.length;
        if (!response.write(CHUNK)) return void response.once('drain', pump);
      }
      if (!closed) response.end();
    };
    pump();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answers };
}

/** The first answer's fate once its connection is gone, waiting at most 2 s for the server to notice. */
async function firstAnswer(answers: readonly Streamed[]): Promise<Streamed | undefined> {
  const first = answers[0];
  if (first !== undefined) await Promise.race([first.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  return first;
}

/** A loopback server that takes the request and never answers. */
async function silentServer() {
  const server = createServer((request) => request.resume());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function delivery() {
  const provider = providers.stripe;
  const random = createRandom(3);
  const signing = createSigningContext({
    provider,
    secret: provider.secret.generate(new Uint8Array(32).fill(3)),
    random,
    nowSeconds: () => Math.floor(systemClock() / 1000),
  });
  const event = eventsOf(provider, createWorld({ random, runId: 'hz', startSeconds: 1_800_000_000 }).order('paid'))[0];
  if (event === undefined) throw new Error('a paid order has events');
  return deliveryOf(signing, event);
}

async function deliverTo(target: string, timeoutMs: number) {
  const history = new DeliveryHistory();
  const deliverer = createHttpDeliverer({ target, timeoutMs, connections: 2, clock: systemClock, history });
  try {
    const started = performance.now();
    const [attempt] = await deliverer.deliverStep([delivery()]);
    return { attempt, elapsedMs: performance.now() - started };
  } finally {
    await deliverer.close();
  }
}

test('a webhook answer whose body never ends is judged by its status, cut at the cap, within the timeout', async () => {
  const { base, answers } = await streamingServer(200, Number.POSITIVE_INFINITY);
  const rssBefore = process.memoryUsage().rss;
  const { attempt, elapsedMs } = await deliverTo(`${base}/webhooks/stripe`, 2_000);
  expect(attempt?.statusCode).toBe(200);
  expect(attempt?.outcome).toBe('ok');
  expect(attempt?.detail).toMatch(/answer longer than \d+ bytes; cut/);
  expect(attempt?.detail.length).toBeLessThan(400);
  expect(elapsedMs).toBeLessThan(2_500);
  expect((await firstAnswer(answers))?.clientClosedEarly).toBe(true);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(250 * MIB);
});

test('a 64 MiB webhook answer is not read past the cap: the connection closes long before the body ends', async () => {
  const { base, answers } = await streamingServer(400, 64 * MIB);
  const rssBefore = process.memoryUsage().rss;
  const { attempt } = await deliverTo(`${base}/webhooks/stripe`, 10_000);
  expect(attempt?.statusCode).toBe(400);
  expect(attempt?.outcome).toBe('fail');
  const answer = await firstAnswer(answers);
  expect(answer?.clientClosedEarly).toBe(true);
  expect(answer?.written).toBeLessThan(64 * MIB);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(250 * MIB);
});

test('a receiver that never answers costs the gateway its timeout, once, and is recorded as a timeout', async () => {
  const base = await silentServer();
  const { attempt, elapsedMs } = await deliverTo(`${base}/webhooks/stripe`, 1_000);
  expect(attempt?.statusCode).toBeNull();
  expect(attempt?.outcome).toBe('info');
  expect(attempt?.detail).toMatch(/TimeoutError|aborted due to timeout/);
  expect(elapsedMs).toBeGreaterThanOrEqual(950);
  expect(elapsedMs).toBeLessThan(3_000);
});

test('a probe whose answer never ends is an off-contract answer within the deadline, not a hang', async () => {
  const { base, answers } = await streamingServer(200, Number.POSITIVE_INFINITY);
  const probe = createProbeClient(`${base}/ipn-probe`, { deadlineMs: 1_500 });
  const started = performance.now();
  const error = await probe.health().catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'IPN_ERR_PROBE_INVALID' });
  expect(String((error as Error).message)).toMatch(/longer than 1048576 bytes/);
  expect(performance.now() - started).toBeLessThan(2_000);
  expect((await firstAnswer(answers))?.clientClosedEarly).toBe(true);
});

test('a 200 MB probe answer is refused at 1 MiB without being buffered', async () => {
  const { base, answers } = await streamingServer(200, 200 * MIB);
  const rssBefore = process.memoryUsage().rss;
  const error = await createProbeClient(`${base}/ipn-probe`)
    .getOrder('ord_1')
    .catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'IPN_ERR_PROBE_INVALID' });
  expect((await firstAnswer(answers))?.written).toBeLessThan(200 * MIB);
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(250 * MIB);
});

test('a probe that never answers is reported as unreachable after its deadline', async () => {
  const base = await silentServer();
  const started = performance.now();
  const error = await createProbeClient(`${base}/ipn-probe`, { deadlineMs: 800 })
    .health()
    .catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'IPN_ERR_PROBE_MISSING' });
  expect(String((error as Error).message)).toMatch(/did not answer within 800 ms/);
  expect(performance.now() - started).toBeLessThan(2_000);
});

test('load against a receiver whose answers never end finishes, each answer judged by its status', async () => {
  const { base } = await streamingServer(200, Number.POSITIVE_INFINITY);
  const dir = await mkdtemp(join(tmpdir(), 'ipn-hostile-load-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'load.json');
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(4));
  const { io } = fakeIo();
  const started = performance.now();
  const code = await main(
    ['load', '--target', `${base}/webhooks/stripe`, '--provider', 'stripe', '--secret', secret].concat([
      '--events',
      '40',
      '--concurrency',
      '4',
      '--seed',
      '2',
      '--json',
      json,
    ]),
    io,
  );
  const report = LoadReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.deliveries).toMatchObject({ sent: 40, acknowledged: 40, unsure: 0 });
  expect(code).toBe(0);
  expect(performance.now() - started).toBeLessThan(20_000);
});
