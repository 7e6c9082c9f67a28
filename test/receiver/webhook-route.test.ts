import { expect, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { signingVectors } from '../../contracts/vectors.js';
import { utf8 } from '../../contracts/wire.js';
import { buildReceiver } from '../../receiver/app.js';
import {
  allProviders,
  deliver,
  getOrder,
  NOW_SECONDS,
  postSigned,
  putOrder,
  readTables,
  receiverFixture,
  step,
  temporaryDbFile,
} from './receiver-fixture.js';

for (const { title, provider } of allProviders) {
  test(`a genuine ${title} payment is acknowledged, then applied by the worker`, async () => {
    const { app } = await receiverFixture();
    await putOrder(app, 'order-1');

    const response = await deliver(app, provider, step('order-1', 'succeeded'));
    expect(response.statusCode).toBe(200);
    expectAcknowledged(response, provider, { received: true, duplicate: false });

    await app.inbox.drain();
    const order = await getOrder(app, 'order-1');
    expect(order.body).toMatchObject({ status: 'paid', amountPaid: '50.00', fulfillments: 1, refunds: 0 });
    expect(await app.inbox.pending()).toBe(0);
  });

  test(`a ${title} delivery signed with another secret is refused with the reason`, async () => {
    const { app, dbFile } = await receiverFixture();
    const { event, eventId } = provider.buildEvent(step('order-1', 'succeeded'));
    // Not a fill the fixture's secrets use (1, 2, … one per provider).
    const wrong = provider.secret.generate(new Uint8Array(32).fill(0xee));

    const response = await postSigned(app, provider, { body: provider.encode(event), eventId, secret: wrong });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'signature_rejected', reason: 'no_matching_signature' });
    const tables = readTables(dbFile);
    expect(tables.inbox).toEqual([]);
    expect(tables.deadLetters).toEqual([]);
  });

  const tolerance = provider.tolerance;
  if (tolerance !== null) {
    test(`a ${title} delivery signed longer ago than its tolerance (${tolerance.past} s) is refused as too old`, async () => {
      const { app, dbFile } = await receiverFixture();
      const { event, eventId } = provider.buildEvent(step('order-1', 'succeeded'));

      const stale = await postSigned(app, provider, {
        body: provider.encode(event),
        eventId,
        timestamp: NOW_SECONDS - tolerance.past - 1,
      });
      expect(stale.statusCode).toBe(400);
      expect(stale.json()).toMatchObject({ reason: 'timestamp_too_old' });
      expect(readTables(dbFile).inbox).toEqual([]);

      const recent = await postSigned(app, provider, {
        body: provider.encode(event),
        eventId,
        timestamp: NOW_SECONDS - tolerance.past + 1,
      });
      expect(recent.statusCode).toBe(200);
    });
  }

  test(`a ${title} delivery without a signature header is refused as missing`, async () => {
    const { app } = await receiverFixture();
    const { event } = provider.buildEvent(step('order-1', 'succeeded'));
    const response = await app.inject({
      method: 'POST',
      url: `/webhooks/${provider.route}`,
      headers: provider.baseHeaders,
      payload: Buffer.from(provider.encode(event)),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ reason: 'missing_signature' });
  });

  // A signature inside the body (Adyen) cannot be valid on a body that is not the notification's JSON.
  if (provider.signBody === undefined) {
    test(`malformed JSON under a valid ${title} signature is kept as a dead letter and acknowledged`, async () => {
      const { app, dbFile } = await receiverFixture();
      const body = utf8('{"id": "evt_broken", "type": ');

      const response = await postSigned(app, provider, { body, eventId: 'msg_broken' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: true, deadLetter: true });
      const tables = readTables(dbFile);
      expect(tables.inbox).toEqual([]);
      expect(tables.deadLetters).toHaveLength(1);
      expect(tables.deadLetters[0]?.reason).toContain('not JSON');
      expect(tables.deadLetters[0]?.body.equals(Buffer.from(body))).toBe(true);
    });
  }

  test(`a ${title} body over the size limit is answered 413 with a JSON error`, async () => {
    const { app, dbFile } = await receiverFixture({ bodyLimit: 1024 });
    const body = utf8(JSON.stringify({ padding: 'x'.repeat(2048) }));

    const response = await postSigned(app, provider, { body, eventId: 'msg_big' });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toContain('application/json');
    expect(readTables(dbFile).deadLetters).toEqual([]);
  });
}

test('a signed Stripe envelope that fails validation is a dead letter, not an error', async () => {
  const { app, dbFile } = await receiverFixture();
  const body = utf8(JSON.stringify({ id: 'evt_odd', object: 'event', type: 'payment_intent.succeeded' }));

  const response = await postSigned(app, providers.stripe, { body, eventId: 'evt_odd' });
  expect(response.json()).toEqual({ received: true, deadLetter: true });
  const [letter] = readTables(dbFile).deadLetters;
  expect(letter).toMatchObject({ provider: 'stripe', event_id: 'evt_odd' });
  expect(letter?.reason).toContain('envelope');
});

test('a route is served only for providers that have a secret', async () => {
  const { app } = await receiverFixture({ secrets: { stripe: 'whsec_only_stripe' } });
  const standard = providers['standard-webhooks'];
  const { event, eventId } = standard.buildEvent(step('order-1', 'succeeded'));

  const response = await postSigned(app, standard, { body: standard.encode(event), eventId });
  expect(response.statusCode).toBe(404);
});

for (const { title, provider } of allProviders) {
  // A vector signed for a notification URL goes through the route registered at {publicUrl}/webhooks/{route}.
  const routePath = `/webhooks/${provider.route}`;
  const throughRoute = signingVectors(provider.id).filter((v) => v.notificationUrl?.endsWith(routePath) ?? true);
  for (const vector of throughRoute) {
    test(`the ${title} known-answer vector "${vector.name}" verifies through the route`, async () => {
      const secret = vector.secrets.at(-1) ?? '';
      const publicUrl = vector.notificationUrl?.slice(0, -routePath.length);
      const app = await buildReceiver({
        secrets: { [provider.id]: secret },
        dbFile: await temporaryDbFile(),
        clock: manualClock(vector.timestamp * 1000),
        ...(publicUrl === undefined ? {} : { publicUrl }),
      });
      try {
        const response = await app.inject({
          method: 'POST',
          url: `/webhooks/${provider.route}`,
          // The vector has the signature headers; a gateway always sends its content type too.
          headers: { ...provider.baseHeaders, ...vector.headers },
          payload: Buffer.from(utf8(vector.signedBody ?? vector.body)),
        });
        expect(response.statusCode).toBe(200);
        if (provider.acknowledgement === undefined) expect(response.json()).toMatchObject({ received: true });

        // An in-body signature (Adyen) covers fields, not bytes: there, a changed amount.
        const tampered = await app.inject({
          method: 'POST',
          url: `/webhooks/${provider.route}`,
          // The vector has the signature headers; a gateway always sends its content type too.
          headers: { ...provider.baseHeaders, ...vector.headers },
          payload: Buffer.from(
            vector.signedBody === undefined
              ? utf8(`${vector.body} `)
              : (provider.tamper?.(utf8(vector.signedBody)) ?? new Uint8Array()),
          ),
        });
        expect(tampered.statusCode).toBe(400);
      } finally {
        await app.close();
      }
    });
  }
}

/** The acknowledgement a provider's gateway expects (Adyen: `[accepted]`), else the receiver's JSON summary. */
function expectAcknowledged(
  response: { json(): unknown; body: string; headers: Record<string, unknown> },
  provider: Provider,
  summary: Record<string, boolean>,
) {
  if (provider.acknowledgement === undefined) expect(response.json()).toEqual(summary);
  else {
    expect(response.body).toBe(provider.acknowledgement.body);
    expect(response.headers['content-type']).toBe(provider.acknowledgement.contentType);
  }
}
