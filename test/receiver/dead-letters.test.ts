import { describe, expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver, type ReceiverOptions } from '../../receiver/app.js';
import { envelopeCheck } from '../../receiver/dead-letter-replay.js';
import { projectOrder } from '../../receiver/order-projection.js';
import { openPostgresStorage } from '../../receiver/storage/postgres.js';
import { openSqliteStorage } from '../../receiver/storage/sqlite.js';
import { applyEach, type ReceiverStorage } from '../../receiver/storage/storage.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { testProbe } from '../support/probe-token.js';
import { deliver, getOrder, NOW_MS, PUBLIC_URL, putOrder, secrets, step, temporaryDbFile } from './receiver-fixture.js';

const stripe = providers.stripe;
const MAX_ATTEMPTS = 3;

/** Each backend: where its database is, as receiver options and as the CLI's flags and environment. */
const backends = [
  {
    backend: 'SQLite',
    database: async () => {
      const dbFile = await temporaryDbFile();
      return { options: { dbFile }, flags: ['--db', dbFile], env: {} };
    },
    openStorage: async () => openSqliteStorage({ file: await temporaryDbFile(), projectOrder }),
  },
  {
    backend: 'PostgreSQL',
    database: async () => {
      const schema = await testSchema();
      return {
        options: { databaseUrl: postgresUrl(), schema },
        flags: ['--schema', schema],
        env: { DATABASE_URL: postgresUrl() },
      };
    },
    openStorage: async () => openPostgresStorage({ url: postgresUrl(), schema: await testSchema(), projectOrder }),
  },
];

/**
 * A receiver whose applying fails while `failing.on` is set (a bug, a down dependency), so an event lands in dead
 * letters after MAX_ATTEMPTS; `storage` is the receiver's own storage, to look at the dead letters through.
 */
async function failingReceiver(options: Partial<ReceiverOptions>) {
  const failing = { on: true, applied: 0 };
  let storage: ReceiverStorage | undefined;
  const app = await buildReceiver({
    secrets: { stripe: secrets.stripe },
    clock: manualClock(NOW_MS),
    publicUrl: PUBLIC_URL,
    maxAttempts: MAX_ATTEMPTS,
    retryBackoffMs: 0,
    ...testProbe,
    ...options,
    wrapStorage: (opened) => {
      storage = opened;
      return {
        ...opened,
        // Each event applied on its own, as a fulfilment call outside the database would be.
        applyFacts: (items, atMs) =>
          applyEach(items, async (item) => {
            if (failing.on) throw new Error('the fulfilment service is down');
            const [outcome] = await opened.applyFacts([item], atMs);
            if (typeof outcome === 'object') throw outcome.failed;
            if (outcome === 'done') failing.applied += 1;
            return outcome ?? 'stale';
          }),
      };
    },
  });
  onTestFinished(() => app.close());
  if (storage === undefined) throw new Error('expected the receiver to open its storage');
  return { app, storage, failing };
}

/** Pays an order with a Stripe event the failing receiver cannot apply, and drains until it is a dead letter. */
async function deadPayment(app: Awaited<ReturnType<typeof failingReceiver>>['app'], orderId: string) {
  expect((await putOrder(app, orderId)).statusCode).toBeLessThan(300);
  const paymentStep = step(orderId, 'succeeded');
  const { eventId, event } = stripe.buildEvent(paymentStep);
  expect((await deliver(app, stripe, paymentStep)).statusCode).toBe(200);
  await app.inbox.drain();
  return { eventId, body: Buffer.from(stripe.encode(event)).toString() };
}

describe.each(backends)('dead letters on $backend', ({ database, openStorage }) => {
  test('an event that fails every attempt is listed and shown with its error; replayed once fixed, it is applied once and leaves the list', async () => {
    const { options } = await database();
    const { app, storage, failing } = await failingReceiver(options);
    const { eventId, body } = await deadPayment(app, 'order-dead');

    const id = `inbox:stripe:${eventId}`;
    const listed = await storage.listDeadLetters({ limit: 10, offset: 0 });
    expect(listed).toEqual([
      {
        id,
        source: 'inbox',
        provider: 'stripe',
        eventId,
        reason: expect.stringContaining(`gave up after ${MAX_ATTEMPTS} attempts`),
        attempts: MAX_ATTEMPTS,
        receivedAtMs: NOW_MS,
      },
    ]);
    // The copy kept in the dead_letters table is not a second dead letter.
    expect(await storage.deadLetterCount()).toBe(1);

    const shown = await storage.showDeadLetter(id);
    expect(shown?.reason).toContain('the fulfilment service is down');
    expect(Buffer.from(shown?.body ?? []).toString()).toBe(body);
    expect(shown?.headers).toHaveProperty('stripe-signature');
    expect((await getOrder(app, 'order-dead')).body).toMatchObject({ status: 'awaiting_payment', fulfillments: 0 });

    failing.on = false;
    expect(await storage.replayDeadLetter(id, envelopeCheck({}), NOW_MS)).toEqual({
      outcome: 'replayed',
      provider: 'stripe',
      eventId,
      duplicate: false,
    });
    await app.inbox.drain();
    expect(failing.applied).toBe(1);
    expect((await getOrder(app, 'order-dead')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
    expect(await storage.listDeadLetters({ limit: 10, offset: 0 })).toEqual([]);
    expect(await storage.deadLetterCount()).toBe(0);
    expect(await storage.showDeadLetter(id)).toBeNull();
    // A second replay finds nothing: the event is applied, not dead.
    expect(await storage.replayDeadLetter(id, envelopeCheck({}), NOW_MS)).toEqual({ outcome: 'not_found' });
    await app.inbox.drain();
    expect(failing.applied).toBe(1);
  });

  test('a kept delivery replays into the inbox when its envelope now validates, and otherwise stays with the reason', async () => {
    const storage = await openStorage();
    onTestFinished(() => storage.close());
    const { event, eventId } = stripe.buildEvent(step('order-kept', 'succeeded'));
    const headers = { 'content-type': 'application/json' };
    // Kept by an older receiver that wrongly refused a valid envelope; and a body that is no event at all.
    await storage.recordDeadLetter({
      provider: 'stripe',
      eventId: null,
      reason: 'an old schema refused it',
      body: stripe.encode(event),
      headers,
      receivedAtMs: NOW_MS,
    });
    await storage.recordDeadLetter({
      provider: 'stripe',
      eventId: null,
      reason: 'not JSON',
      body: Buffer.from('{"truncated'),
      headers,
      receivedAtMs: NOW_MS + 1,
    });
    const listed = await storage.listDeadLetters({ limit: 10, offset: 0 });
    expect(listed.map((l) => [l.source, l.reason, l.attempts])).toEqual([
      ['delivery', 'not JSON', 0],
      ['delivery', 'an old schema refused it', 0],
    ]);
    const [broken, valid] = listed.map((l) => l.id);
    if (broken === undefined || valid === undefined) throw new Error('expected two dead letters');
    expect(valid).toMatch(/^delivery:\d+$/);

    const rejected = await storage.replayDeadLetter(broken, envelopeCheck({}), NOW_MS);
    expect(rejected).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/JSON/) });
    expect(await storage.replayDeadLetter(valid, envelopeCheck({}), NOW_MS + 5)).toEqual({
      outcome: 'replayed',
      provider: 'stripe',
      eventId,
      duplicate: false,
    });
    expect(await storage.pendingCount()).toBe(1);
    const [claimed] = await storage.claimPending(1, NOW_MS + 5, 1_000);
    expect(claimed).toMatchObject({ provider: 'stripe', eventId, attempt: 1, receivedAtMs: NOW_MS + 5 });
    expect((await storage.listDeadLetters({ limit: 10, offset: 0 })).map((l) => l.id)).toEqual([broken]);
    expect(await storage.replayDeadLetter(valid, envelopeCheck({}), NOW_MS)).toEqual({ outcome: 'not_found' });
  });

  test('a replayed inbox event is pending again from its first attempt, with its full count of attempts ahead', async () => {
    const storage = await openStorage();
    onTestFinished(() => storage.close());
    const body = Buffer.from('{"id":"evt_poison"}');
    await storage.recordDelivery({
      provider: 'stripe',
      eventId: 'evt_poison',
      body,
      headers: {},
      receivedAtMs: NOW_MS,
    });
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const [row] = await storage.claimPending(1, NOW_MS, 1_000);
      if (row === undefined) throw new Error(`expected claim ${attempt}`);
      const failure = { error: 'boom', maxAttempts: 2, atMs: NOW_MS, retryAtMs: NOW_MS };
      expect(await storage.recordFailure(row, failure)).toBe(attempt < 2 ? 'retry' : 'dead');
    }
    expect(await storage.listDeadLetters({ limit: 10, offset: 0 })).toMatchObject([
      { id: 'inbox:stripe:evt_poison', attempts: 2, reason: 'gave up after 2 attempts: boom' },
    ]);
    const replayed = await storage.replayDeadLetter('inbox:stripe:evt_poison', envelopeCheck({}), NOW_MS);
    expect(replayed.outcome).toBe('replayed');
    expect(await storage.pendingCount()).toBe(1);
    expect(await storage.deadLetterCount()).toBe(0);
    const [again] = await storage.claimPending(1, NOW_MS, 1_000);
    expect(again).toMatchObject({ eventId: 'evt_poison', attempt: 1 });
    if (again === undefined) throw new Error('expected the replayed row to be claimable');
    expect(
      await storage.recordFailure(again, { error: 'still', maxAttempts: 2, atMs: NOW_MS, retryAtMs: NOW_MS }),
    ).toBe('retry');
  });

  test('list pages newest first without repeating or skipping, and unknown ids answer nothing', async () => {
    const storage = await openStorage();
    onTestFinished(() => storage.close());
    for (let i = 0; i < 5; i += 1) {
      await storage.recordDeadLetter({
        provider: 'stripe',
        eventId: `evt_${i}`,
        reason: `reason ${i}`,
        body: Buffer.from(`body ${i}`),
        headers: {},
        receivedAtMs: NOW_MS + (i % 3),
      });
    }
    const pages = [
      await storage.listDeadLetters({ limit: 2, offset: 0 }),
      await storage.listDeadLetters({ limit: 2, offset: 2 }),
      await storage.listDeadLetters({ limit: 2, offset: 4 }),
    ];
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const all = pages.flat();
    expect(new Set(all.map((l) => l.id)).size).toBe(5);
    const times = all.map((l) => l.receivedAtMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const unknown of ['delivery:999999', 'inbox:stripe:evt_none', 'nonsense', 'delivery:0']) {
      expect(await storage.showDeadLetter(unknown)).toBeNull();
      expect(await storage.replayDeadLetter(unknown, envelopeCheck({}), NOW_MS)).toEqual({ outcome: 'not_found' });
    }
  });

  test('ipn-gauntlet receiver dead-letters list, show and replay', async () => {
    const { options, flags, env } = await database();
    const { app, failing } = await failingReceiver(options);
    const { eventId, body } = await deadPayment(app, 'order-cli');
    const id = `inbox:stripe:${eventId}`;
    const cli = async (...args: string[]) => {
      const { io, captured } = fakeIo(env);
      const code = await main(['receiver', 'dead-letters', ...args, ...flags], io);
      return { code, ...captured };
    };

    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^ID\s+PROVIDER\s+EVENT ID\s+ATTEMPTS\s+RECEIVED\s+REASON\n/);
    expect(table.out).toContain(id);
    expect(table.out).toContain(`gave up after ${MAX_ATTEMPTS} attempts`);

    const json = await cli('list', '--json', '--limit', '5');
    expect(JSON.parse(json.out)).toMatchObject([{ id, provider: 'stripe', eventId, attempts: MAX_ATTEMPTS }]);

    const shown = await cli('show', id);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('the fulfilment service is down');
    expect(shown.out).toContain(body);
    const shownJson = JSON.parse((await cli('show', id, '--json')).out) as Record<string, unknown>;
    expect(shownJson).toMatchObject({ id, body, bodyBase64: Buffer.from(body).toString('base64') });

    const unknown = await cli('show', 'inbox:stripe:evt_nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('IPN_ERR_DEAD_LETTER_UNKNOWN');
    expect(unknown.err).toContain('"inbox:stripe:evt_nobody"');
    expect((await cli('replay')).err).toContain('IPN_ERR_USAGE');

    failing.on = false;
    const replayed = await cli('replay', id);
    expect(replayed.code).toBe(0);
    expect(replayed.out).toContain(`Replayed ${id}`);
    await app.inbox.drain();
    expect(failing.applied).toBe(1);
    expect((await getOrder(app, 'order-cli')).body).toMatchObject({ status: 'paid', fulfillments: 1 });
    expect((await cli('list')).out).toBe('No dead letters.\n');
    expect((await cli('replay', id)).code).toBe(2);
  });
});

test('dead-letters has its own --help, and a missing SQLite file is an error rather than a new empty database', async () => {
  const help = fakeIo();
  expect(await main(['receiver', 'dead-letters', 'list', '--help'], help.io)).toBe(0);
  expect(help.captured.out).toContain('ipn-gauntlet receiver dead-letters replay ID');
  expect(help.captured.out).toContain('delivery:<n>');

  const receiverHelp = fakeIo();
  expect(await main(['receiver', '--help'], receiverHelp.io)).toBe(0);
  expect(receiverHelp.captured.out).toContain('--public-url');

  const missing = fakeIo();
  const dbFile = `${await temporaryDbFile()}.missing`;
  expect(await main(['receiver', 'dead-letters', 'list', '--db', dbFile], missing.io)).toBe(2);
  expect(missing.captured.err).toContain('IPN_ERR_STORAGE');
});

test("the dead-letters command opens a running receiver's SQLite file without ending its claims", async () => {
  const file = await temporaryDbFile();
  const receiver = openSqliteStorage({ file, projectOrder });
  onTestFinished(() => receiver.close());
  await receiver.recordDelivery({
    provider: 'stripe',
    eventId: 'evt_held',
    body: Buffer.from('{}'),
    headers: {},
    receivedAtMs: NOW_MS,
  });
  expect(await receiver.claimPending(1, NOW_MS, 60_000)).toHaveLength(1);

  openSqliteStorage({ file, projectOrder, keepClaims: true }).close();
  expect(await receiver.claimPending(1, NOW_MS, 60_000)).toEqual([]);
  // A receiver starting on the file (the default) ends the claims a previous process left.
  openSqliteStorage({ file, projectOrder }).close();
  expect(await receiver.claimPending(1, NOW_MS, 60_000)).toHaveLength(1);
});
