import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { compiledProject } from '../support/compiled.js';
import { type PrivatePostgres, type StopMode, startPrivatePostgres } from '../support/private-postgres.js';
import { type ReceiverChild, startReceiverChild } from '../support/receiver-child.js';
import { recordFigures, sized, timeoutFor } from '../support/reliability.js';

const stripe = providers.stripe;
const secret = stripe.secret.generate(new Uint8Array(32).fill(7));
/** 200 in `npm test`; 2,000 in `npm run reliability`. */
const EVENTS = sized('OUTAGE_EVENTS', 200, 2_000);
const SENDERS = 8;
const TRIES_PER_EVENT = 600;
const RETRY_MS = 25;

let server: PrivatePostgres | undefined;

beforeAll(async () => {
  await compiledProject();
  server = await startPrivatePostgres('outage');
}, 180_000);
afterAll(async () => {
  await server?.remove();
});

interface Answer {
  readonly status: number | 'refused';
  readonly body: string;
}

/** Posts one signed payment of the order until it is answered 2xx (a gateway retrying), recording every answer. */
async function deliverUntilAcknowledged(base: string, orderId: string, answers: Answer[]): Promise<void> {
  const { event, eventId } = stripe.buildEvent({
    kind: 'succeeded',
    eventKey: orderId,
    orderId,
    paymentKey: `pay_${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: 1_750_000_000,
  });
  const body = stripe.encode(event);
  for (let tries = 0; tries < TRIES_PER_EVENT; tries += 1) {
    const signed = signedRequest(stripe, {
      body,
      eventId,
      secrets: [secret],
      timestamp: Math.floor(Date.now() / 1000),
    });
    const answer = await request(`${base}/webhooks/${stripe.route}`, {
      method: 'POST',
      headers: signed.headers,
      body: Buffer.from(signed.body),
    }).then(
      async (response): Promise<Answer> => ({ status: response.statusCode, body: await response.body.text() }),
      (): Answer => ({ status: 'refused', body: '' }),
    );
    answers.push(answer);
    if (typeof answer.status === 'number' && answer.status < 300) return;
    await delay(RETRY_MS);
  }
  throw new Error(`${orderId} was not acknowledged after ${TRIES_PER_EVENT} tries`);
}

/** Waits (at most `timeoutMs`, polling every 20 ms) until the condition holds. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 20) {
    if (await condition()) return;
    await delay(20);
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function get(url: string) {
  const response = await request(url);
  return { status: response.statusCode, body: await response.body.text() };
}

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  } finally {
    await client.end();
  }
}

function expectNoAddress(body: string, url: string): void {
  const { hostname, port } = new URL(url);
  expect(body).not.toContain(`${hostname}:${port}`);
  expect(body).not.toContain(port);
  expect(body).not.toMatch(/ECONNREFUSED|terminat|57P0/);
}

test.each<StopMode>(['fast', 'immediate'])(
  'a receiver process on PostgreSQL stopped with -m %s under load answers 503, stays up, recovers and applies every acknowledged event once',
  async (mode) => {
    if (server === undefined) throw new Error('no private PostgreSQL server');
    const db = server;
    onTestFinished(() => db.start());
    const schema = `ipn_outage_${mode}`;
    // The test's own storage on the same schema: it creates the orders and reads them back, never during the outage.
    const storage = await openPostgresStorage({ url: db.url, schema, projectOrder });
    onTestFinished(() => storage.close());
    const orderIds = Array.from({ length: EVENTS }, (_, i) => `ord_${mode}_${i}`);
    for (const orderId of orderIds) await storage.putOrder({ orderId, amountMinor: 5000, currency: 'USD' }, 0);
    const receiver: ReceiverChild = await startReceiverChild(['--schema', schema], {
      [stripe.secretEnv]: secret,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
    });
    onTestFinished(() => receiver.stop());

    const answers: Answer[] = [];
    const acknowledged = () => answers.filter((a) => a.status === 200).length;
    const unavailable = () => answers.filter((a) => a.status === 503).length;
    let next = 0;
    const senders = Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let orderId = orderIds[next++]; orderId !== undefined; orderId = orderIds[next++]) {
          await deliverUntilAcknowledged(receiver.base, orderId, answers);
        }
      }),
    );

    await until('40 events were acknowledged', () => acknowledged() >= 40);
    const stoppedAt = performance.now();
    await db.stop(mode);
    await until('deliveries were answered 503 during the outage', () => {
      if (receiver.exit() !== null) throw new Error(`the receiver exited during the outage:\n${receiver.output()}`);
      return unavailable() >= 20 * SENDERS;
    });
    const readyDuring = await get(`${receiver.base}/health/ready`);
    const liveDuring = await get(`${receiver.base}/health/live`);
    await db.start();
    const outageMs = performance.now() - stoppedAt;
    await senders;
    await until('the inbox is drained', async () => (await storage.pendingCount()) === 0, 30_000);
    const stored = {
      facts: await count(db.url, `SELECT count(*) AS n FROM ${schema}.facts`),
      done: await count(db.url, `SELECT count(*) AS n FROM ${schema}.inbox WHERE state = 'done'`),
      fulfilments: await count(db.url, `SELECT count(*) AS n FROM ${schema}.effects WHERE kind = 'fulfillment'`),
      dead: await storage.deadLetterCount(),
    };
    const readyAfter = (await get(`${receiver.base}/health/ready`)).status;
    await recordFigures('PostgreSQL outage', {
      fault: `PostgreSQL stopped (pg_ctl -m ${mode}) under load, ${SENDERS} senders`,
      events: EVENTS,
      acknowledged: acknowledged(),
      '503 answers': unavailable(),
      'other answers': answers.filter((a) => a.status !== 200 && a.status !== 503).length,
      'receiver exited': receiver.exit() !== null,
      'outage s': Math.round(outageMs / 100) / 10,
      'ready during / after': `${readyDuring.status} / ${readyAfter}`,
      lost: EVENTS - stored.done,
      'applied twice': Math.max(0, stored.fulfilments - EVENTS),
      'dead letters': stored.dead,
    });

    expect(receiver.exit(), receiver.output()).toBeNull();
    expect(answers.filter((a) => a.status === 'refused')).toEqual([]);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE' });
      expectNoAddress(answer.body, db.url);
    }
    expect(readyDuring.status).toBe(503);
    expect(JSON.parse(readyDuring.body)).toMatchObject({ code: 'IPN_ERR_STORAGE_UNAVAILABLE', problem: 'unreachable' });
    expectNoAddress(readyDuring.body, db.url);
    expect(liveDuring.status).toBe(200);

    // Every event acknowledged, and each applied exactly once: one fact, one fulfilment per order, nothing dead.
    expect(acknowledged()).toBe(EVENTS);
    expect(stored).toEqual({ facts: EVENTS, done: EVENTS, fulfilments: EVENTS, dead: 0 });
    expect(readyAfter).toBe(200);
  },
  timeoutFor(EVENTS, 100, 90_000),
);
