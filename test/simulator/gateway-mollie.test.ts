import { expect, test } from 'vitest';
import { mollie } from '../../contracts/providers/mollie.js';
import { buildGateway } from '../../simulator/gateway/app.js';

const KEY = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 11));
const OTHER = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 13));

function paymentId(): string {
  return mollie.buildEvent({
    kind: 'succeeded',
    eventKey: 'evt_1',
    orderId: 'ord_gw_1',
    paymentKey: 'pay_gw_1',
    amountMinor: 1250,
    currency: 'EUR',
    createdAt: 1_750_000_000,
  }).event.id;
}

async function get(id: string, authorization: string | undefined, apiKeys: readonly string[] = []) {
  const app = buildGateway({ key: 'unused', providers: [mollie], apiKeys });
  const response = await app.inject({
    method: 'GET',
    url: `/v2/payments/${encodeURIComponent(id)}`,
    headers: authorization === undefined ? {} : { authorization },
  });
  await app.close();
  return { status: response.statusCode, type: response.headers['content-type'], body: response.json() };
}

test('GET /v2/payments/:id answers the payment it issued, as Mollie answers it', async () => {
  const id = paymentId();
  const answer = await get(id, `Bearer ${KEY}`, [KEY]);
  expect(answer.status).toBe(200);
  expect(answer.type).toContain('application/hal+json');
  expect(answer.body).toMatchObject({
    resource: 'payment',
    id,
    status: 'paid',
    amount: { value: '12.50', currency: 'EUR' },
    metadata: { order_id: 'ord_gw_1' },
  });
});

test('without the right API key the answer is 401 in Mollie’s error shape', async () => {
  const id = paymentId();
  for (const authorization of [undefined, KEY, 'Bearer sk_test_123', `Bearer ${OTHER}`]) {
    const answer = await get(id, authorization, [KEY]);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: 401, title: 'Unauthorized Request', _links: { documentation: {} } });
  }
  // Without the run's keys, any test-mode key of the right format is accepted.
  expect((await get(id, `Bearer ${OTHER}`)).status).toBe(200);
});

test('an id the gateway never issued is a 404 in Mollie’s error shape', async () => {
  const genuine = paymentId();
  const changed = `${genuine.slice(0, -1)}${genuine.endsWith('Z') ? 'Y' : 'Z'}`;
  for (const id of ['tr_WDqYK6vllg', changed]) {
    const answer = await get(id, `Bearer ${KEY}`, [KEY]);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 404, title: 'Not Found', detail: expect.stringContaining('tr_') });
  }
});
