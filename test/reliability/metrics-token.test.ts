import { expect, test } from 'vitest';
import { main } from '../../scenarios/cli/main.js';
import { receiverFixture, temporaryDbFile } from '../receiver/receiver-fixture.js';
import { fakeIo } from '../support/fake-io.js';

/** `/metrics` with a token: only a scrape that presents it reads the counters; anyone else gets a 401 naming no count. */
const TOKEN = 'metrics-token-for-the-tests';

const callers = [
  ['no authorization', {}],
  ['a wrong token', { authorization: 'Bearer metrics-token-for-the-test' }],
  ['the token without its scheme', { authorization: TOKEN }],
  ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
] as const;

for (const [who, headers] of callers) {
  test(`with a metrics token, a scrape with ${who} is 401 and discloses no metric`, async () => {
    const { app } = await receiverFixture({ metrics: { token: TOKEN } });
    const response = await app.inject({ method: 'GET', url: '/metrics', headers });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(response.json()).toMatchObject({ error: 'metrics_unauthorized' });
    expect(response.body).not.toContain('ipn_receiver_');
  });
}

test('with a metrics token, a scrape with Bearer <token> reads the metrics', async () => {
  const { app } = await receiverFixture({ metrics: { token: TOKEN } });
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.statusCode).toBe(200);
  expect(response.body).toContain('ipn_receiver_inbox_pending 0');
});

test('the token guards /metrics only: health and webhooks answer as before', async () => {
  const { app } = await receiverFixture({ metrics: { token: TOKEN } });
  expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  const unsigned = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json' },
    payload: '{}',
  });
  expect(unsigned.json()).toMatchObject({ reason: 'missing_signature' });
});

test('ipn-gauntlet receiver protects /metrics with IPN_GAUNTLET_METRICS_TOKEN, over a real socket', async () => {
  const scrapes: number[] = [];
  const { io, captured } = fakeIo({
    STRIPE_WEBHOOK_SECRET: `whsec_${'1'.repeat(64)}`,
    IPN_GAUNTLET_METRICS_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
  });
  io.untilStopped = async () => {
    const url = /listening at (http:\/\/\S+)/.exec(captured.err)?.[1] ?? '';
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }]) {
      const response = await fetch(`${url}/metrics`, { headers, signal: AbortSignal.timeout(5_000) });
      await response.text();
      scrapes.push(response.status);
    }
  };
  const code = await main(['receiver', '--port', '0', '--db', await temporaryDbFile()], io);
  expect(code).toBe(0);
  expect(scrapes).toEqual([401, 200]);
});
