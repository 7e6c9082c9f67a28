import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { tcpProxy } from '../support/tcp-proxy.js';
import { deliver, NOW_MS, NOW_SECONDS, putOrder, receiverFixture, secrets, step } from './receiver-fixture.js';

const stripe = providers.stripe;

/** A metric's value from the Prometheus text, by name and exact label set; 0 when absent. */
function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : `{${labels}} `}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

test('readiness is 503 with a stable code and no database address while PostgreSQL is unreachable, 200 once it is back; liveness stays 200', async () => {
  const target = new URL(postgresUrl());
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  onTestFinished(() => proxy.close());
  const proxied = new URL(target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const app = await buildReceiver({
    secrets: { stripe: secrets.stripe },
    databaseUrl: proxied.toString(),
    schema: await testSchema(),
    clock: manualClock(NOW_MS),
  });
  onTestFinished(() => app.close());
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ status: 'ready', inboxPending: 0 });

  await proxy.cut();
  const unready = await app.inject({ method: 'GET', url: '/health/ready' });
  expect(unready.statusCode).toBe(503);
  expect(unready.json()).toEqual({
    status: 'unavailable',
    error: 'storage_unavailable',
    code: 'IPN_ERR_STORAGE_UNAVAILABLE',
    problem: 'unreachable',
    message: 'the database cannot be read; the receiver is not taking deliveries.',
  });
  const delivery = await deliver(app, stripe, step('ord_ready', 'succeeded'));
  expect(delivery.statusCode).toBe(503);
  for (const body of [unready.body, delivery.body]) {
    expect(body).not.toContain(String(proxy.port));
    expect(body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|connect/);
  }
  expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

  await proxy.restore();
  expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
});

test('/metrics counts deliveries by outcome, verification failures by reason, inbox depth and processing latency', async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'ord_m1');
  const payment = step('ord_m1', 'succeeded');
  expect((await deliver(app, stripe, payment)).statusCode).toBe(200);
  expect((await deliver(app, stripe, payment)).statusCode).toBe(200);
  const forged = signedRequest(stripe, {
    body: new TextEncoder().encode('{"id":"evt_forged"}'),
    eventId: 'evt_forged',
    secrets: [stripe.secret.generate(new Uint8Array(32).fill(99))],
    timestamp: NOW_SECONDS,
  });
  const rejected = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: forged.headers,
    payload: Buffer.from(forged.body),
  });
  expect(rejected.statusCode).toBe(400);
  await app.inbox.drain();

  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain');
  const text = response.body;
  const deliveries = 'ipn_receiver_deliveries_total';
  expect(metric(text, deliveries, 'provider="stripe",outcome="accepted"')).toBe(1);
  expect(metric(text, deliveries, 'provider="stripe",outcome="duplicate"')).toBe(1);
  expect(metric(text, deliveries, 'provider="stripe",outcome="rejected"')).toBe(1);
  expect(
    metric(text, 'ipn_receiver_verification_failures_total', 'provider="stripe",reason="no_matching_signature"'),
  ).toBe(1);
  expect(metric(text, 'ipn_receiver_inbox_pending')).toBe(0);
  expect(metric(text, 'ipn_receiver_processing_seconds_count', 'provider="stripe"')).toBe(1);
  expect(text).toContain('ipn_receiver_dead_letters 0');
});

test('bad requests get a 4xx with a JSON error code: wrong media type 415, too large 413, unknown route 404', async () => {
  const { app } = await receiverFixture({ bodyLimit: 2_048 });
  const { event, eventId } = stripe.buildEvent(step('ord_m2', 'succeeded'));
  const signed = signedRequest(stripe, {
    body: stripe.encode(event),
    eventId,
    secrets: [secrets.stripe],
    timestamp: NOW_SECONDS,
  });
  const asText = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { ...signed.headers, 'content-type': 'text/plain' },
    payload: Buffer.from(signed.body),
  });
  expect(asText.statusCode).toBe(415);
  expect(asText.json()).toMatchObject({ error: 'unsupported_media_type' });
  const otherCase = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { ...signed.headers, 'content-type': 'Application/JSON' },
    payload: Buffer.from(signed.body),
  });
  expect(otherCase.statusCode).toBe(200);

  const huge = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: signed.headers,
    payload: Buffer.alloc(10_000, 0x20),
  });
  expect(huge.statusCode).toBe(413);
  expect(huge.json()).toMatchObject({ error: 'body_too_large' });

  const nowhere = await app.inject({ method: 'POST', url: '/webhooks/nowhere', payload: '{}' });
  expect(nowhere.statusCode).toBe(404);
  expect(nowhere.json()).toMatchObject({ error: 'not_found' });
});
