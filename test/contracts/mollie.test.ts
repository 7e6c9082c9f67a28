import { expect, test } from 'vitest';
import type { PaymentStep } from '../../contracts/provider.js';
import { mollie } from '../../contracts/providers/mollie.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

const NOW = 1_750_000_000;
const api = mollie.fetch;
if (api === undefined) throw new Error('Mollie fetches payments');

function step(kind: PaymentStep['kind'], extra: Partial<PaymentStep> = {}): PaymentStep {
  return {
    kind,
    eventKey: `evt-${kind}`,
    orderId: 'ord_ml_1',
    paymentKey: 'pay_ml_1',
    amountMinor: 4999,
    currency: 'EUR',
    createdAt: NOW,
    ...extra,
  };
}

/** What the gateway answers for the id a step's webhook posts, parsed. */
function fetched(s: PaymentStep): Record<string, unknown> {
  const { event } = mollie.buildEvent(s);
  const id = api?.idOf(mollie.encode(event)) ?? '';
  const bytes = api?.lookup(id);
  if (bytes === null || bytes === undefined) throw new Error(`the gateway does not know ${id}`);
  return JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
}

test('a webhook is a form carrying only the payment id, as Mollie sends it', () => {
  const { event } = mollie.buildEvent(step('succeeded'));
  const body = fromUtf8(mollie.encode(event));
  expect(body).toMatch(/^id=tr_[A-Za-z0-9_-]+$/);
  expect(mollie.baseHeaders['content-type']).toBe('application/x-www-form-urlencoded');
});

test('the gateway answers the payment as of the webhook, amounts as decimal strings and the order in metadata', () => {
  const paid = fetched(step('succeeded'));
  expect(paid).toMatchObject({
    resource: 'payment',
    status: 'paid',
    amount: { value: '49.99', currency: 'EUR' },
    amountRefunded: { value: '0.00', currency: 'EUR' },
    metadata: { order_id: 'ord_ml_1' },
    _links: { self: { type: 'application/hal+json' } },
  });
  expect(fetched(step('pending'))).toMatchObject({ status: 'pending' });
  expect(fetched(step('failed'))).toMatchObject({ status: 'failed', failedAt: expect.any(String) });
});

test('a refund keeps the payment paid and raises amountRefunded, the refund embedded', () => {
  const refunded = fetched(step('refunded', { refund: { key: 'rf_1', amountMinor: 1000, cumulativeMinor: 3000 } }));
  expect(refunded).toMatchObject({
    status: 'paid',
    amountRefunded: { value: '30.00' },
    _embedded: { refunds: [{ resource: 'refund', amount: { value: '10.00', currency: 'EUR' } }] },
  });
});

test('the fetched payment is the event: each status change is a fact, refunds with their own and total amounts', () => {
  const fact = (s: PaymentStep) => {
    const { event, eventId } = mollie.buildEvent(s);
    return mollie.toFact(event, eventId);
  };
  expect(fact(step('pending'))).toMatchObject({ kind: 'pending', orderId: 'ord_ml_1', amountMinor: 4999 });
  expect(fact(step('succeeded'))).toMatchObject({ kind: 'succeeded', currency: 'EUR', occurredAt: NOW });
  expect(fact(step('failed'))).toMatchObject({ kind: 'failed' });
  expect(
    fact(step('refunded', { refund: { key: 'rf_2', amountMinor: 1000, cumulativeMinor: 3000 } }))?.refund,
  ).toMatchObject({ amountMinor: 1000, cumulativeMinor: 3000 });
});

test('a receiver dedupes on payment id + fetched status + amount refunded', () => {
  const ids = [
    step('pending'),
    step('succeeded'),
    step('refunded', { refund: { key: 'rf_1', amountMinor: 1000, cumulativeMinor: 1000 } }),
    step('refunded', { refund: { key: 'rf_2', amountMinor: 1000, cumulativeMinor: 2000 } }),
  ].map((s) => mollie.buildEvent(s).eventId);
  expect(new Set(ids).size).toBe(4);
  expect(ids[1]).toMatch(/^tr_[A-Za-z0-9_-]+:paid:0\.00$/);
  expect(ids[3]).toMatch(/:paid:20\.00$/);
});

test('the gateway knows no id it never issued: random, changed in one character, or empty', () => {
  const { event } = mollie.buildEvent(step('succeeded'));
  const tampered = api.idOf(mollie.tamper?.(mollie.encode(event)) ?? new Uint8Array()) ?? '';
  expect(tampered).not.toBe(event.id);
  for (const id of [tampered, 'tr_WDqYK6vllg', 'tr_', '', `${event.id}x`]) expect(api.lookup(id)).toBeNull();
  expect(api.lookup(event.id)).not.toBeNull();
});

test('a body without a payment id is not a Mollie webhook; posted fields beside the id are never read', () => {
  const verify = (body: string) => mollie.verify({ body: utf8(body), headers: {}, secret: 'test_x', nowSeconds: NOW });
  expect(verify('')).toMatchObject({ ok: false, reason: 'missing_signature' });
  expect(verify('{"id":"tr_1"}')).toMatchObject({ ok: false });
  expect(verify('id=ord_1')).toMatchObject({ ok: false });
  expect(verify('id=tr_WDqYK6vllg&status=paid')).toEqual({ ok: true });
  expect(api.idOf(utf8('status=paid&id=tr_WDqYK6vllg&amount%5Bvalue%5D=1'))).toBe('tr_WDqYK6vllg');
});

test('the API key is the secret: test_ or live_ and 30 letters and digits, sent as a Bearer token', () => {
  const key = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 7));
  expect(key).toMatch(/^test_[A-Za-z0-9]{30}$/);
  expect(mollie.secret.problem(key)).toBeNull();
  expect(mollie.secret.problem(` ${key}`)).toMatch(/whitespace/);
  expect(mollie.secret.problem('sk_test_123')).toMatch(/not a Mollie API key/);
  expect(api.headers(key)).toMatchObject({ authorization: `Bearer ${key}` });
  expect(api.authorizes(`Bearer ${key}`)).toBe(true);
  expect(api.authorizes(key)).toBe(false);
  expect(api.authorizes(undefined)).toBe(false);
});
