import { expect, test } from 'vitest';
import { adyen, signAdyenBody } from '../../contracts/providers/adyen.js';
import { crcResponse, x, xSignature } from '../../contracts/providers/x.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';
import { getOrder, putOrder, readTables, receiverFixture, secretOf, step } from './receiver-fixture.js';

const crc = (token: string) => ({ method: 'GET' as const, url: '/webhooks/x', query: { crc_token: token } });

test('the reference receiver answers an X CRC challenge with the HMAC of the token', async () => {
  const { app } = await receiverFixture();
  const token = '9b4507b3-9040-4669-9ca3-6b94edb50553';
  const response = await app.inject(crc(token));
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual(crcResponse(token, secretOf(x)));
});

test('the reference receiver refuses to sign an event body sent as crc_token, or no token', async () => {
  const { app } = await receiverFixture();
  const body = fromUtf8(x.encode(x.buildEvent(step('order-1', 'succeeded')).event));
  const oracle = await app.inject(crc(body));
  expect(oracle.statusCode).toBe(400);
  expect(oracle.json()).toMatchObject({ error: 'challenge_refused' });
  expect(oracle.body).not.toContain('sha256=');
  const missing = await app.inject({ method: 'GET', url: '/webhooks/x' });
  expect(missing.statusCode).toBe(400);
  expect(missing.json()).toMatchObject({ error: 'challenge_missing' });
});

test('a token POSTed under its own CRC answer is refused with 400 and stores no dead letter, whatever the token', async () => {
  const { app, dbFile } = await receiverFixture();
  // Opaque tokens of every shape the challenge answers, one of them valid JSON (a number).
  for (const token of ['9b4507b3-9040-4669-9ca3-6b94edb50553', 'T3BhcXVlK3Rva2VuLw==', '1234567890']) {
    const challenge = await app.inject(crc(token));
    expect(challenge.statusCode).toBe(200);
    const signature = (challenge.json() as { response_token: string }).response_token;
    const posted = await app.inject({
      method: 'POST',
      url: '/webhooks/x',
      headers: { ...x.baseHeaders, 'x-twitter-webhooks-signature': signature },
      payload: token,
    });
    expect(posted.statusCode).toBe(400);
    expect(posted.json()).toMatchObject({ error: 'challenge_token_body' });
  }
  const tables = readTables(dbFile);
  expect(tables.deadLetters).toEqual([]);
  expect(tables.inbox).toEqual([]);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  expect(metrics).toContain('ipn_receiver_verification_failures_total{provider="x",reason="challenge_token_body"} 3');
});

test('a signed X body that is not a token is still kept as a dead letter when it cannot be an event', async () => {
  const { app, dbFile } = await receiverFixture();
  const body = '{"not":"an activity"}';
  const posted = await app.inject({
    method: 'POST',
    url: '/webhooks/x',
    headers: { ...x.baseHeaders, 'x-twitter-webhooks-signature': xSignature(secretOf(x), body) },
    payload: body,
  });
  expect(posted.statusCode).toBe(200);
  expect(posted.json()).toMatchObject({ deadLetter: true });
  expect(readTables(dbFile).deadLetters).toHaveLength(1);
});

test('no challenge route for providers without one', async () => {
  const { app } = await receiverFixture();
  expect((await app.inject({ method: 'GET', url: '/webhooks/stripe?crc_token=abc' })).statusCode).toBe(404);
});

test('an Adyen batch is acknowledged with [accepted] and each of its items is stored and applied on its own', async () => {
  const { app, dbFile } = await receiverFixture();
  const items = ['o1', 'o2'].map((orderId) => adyen.buildEvent(step(orderId, 'succeeded')).event.notificationItems[0]);
  const body = signAdyenBody(utf8(JSON.stringify({ live: 'false', notificationItems: items })), secretOf(adyen));
  for (const orderId of ['o1', 'o2']) await putOrder(app, orderId);
  const response = await app.inject({
    method: 'POST',
    url: '/webhooks/adyen',
    headers: adyen.baseHeaders,
    payload: Buffer.from(body),
  });
  expect(response.statusCode).toBe(200);
  expect(response.body).toBe('[accepted]');
  await app.inbox.drain();
  const tables = readTables(dbFile);
  expect(tables.inbox.map((row) => row.state)).toEqual(['done', 'done']);
  expect(new Set(tables.inbox.map((row) => row.event_id)).size).toBe(2);
  expect(tables.deadLetters).toHaveLength(0);
  for (const orderId of ['o1', 'o2']) expect((await getOrder(app, orderId)).body).toMatchObject({ status: 'paid' });
});
