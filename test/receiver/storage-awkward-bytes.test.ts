import { describe, expect, test } from 'vitest';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { backends } from '../support/receiver-backends.js';
import { NOW_SECONDS, step } from './receiver-fixture.js';

const stripe = providers.stripe;
const stripeSecret = stripe.secret.generate(new Uint8Array(32).fill(1));

/** Signs the bytes as the gateway would; `extraHeaders` are sent beside the signed ones. */
function signed(body: Uint8Array, extraHeaders: Record<string, string> = {}) {
  const request = signedRequest(stripe, { body, eventId: 'unused', secrets: [stripeSecret], timestamp: NOW_SECONDS });
  return { headers: { ...request.headers, ...extraHeaders }, payload: Buffer.from(request.body) };
}

/** A Stripe payment event whose id is `evt_<key>`, as JSON bytes. */
function paymentBody(key: string, orderId = 'ord_awkward'): Uint8Array {
  return stripe.encode(stripe.buildEvent(step(orderId, 'succeeded', { eventKey: key })).event);
}

/**
 * The same requests on both backends must get the same answers: U+0000, lone surrogates and oversized ids are what
 * PostgreSQL's TEXT, JSONB and btree keys cannot hold, so neither backend keys anything by them (storable-text.ts).
 */
describe.each(backends)('on $backend', ({ open }) => {
  test.each([
    { name: 'U+0000', key: 'nul\u0000id', reason: /^the event id contains U\+0000, which PostgreSQL cannot store/ },
    { name: 'a lone surrogate', key: 'half\ud800', reason: /^the event id contains a lone surrogate/ },
    { name: '3,000 bytes', key: 'x'.repeat(3_000), reason: /^the event id is 3004 bytes long/ },
  ])(
    'a signed event whose id holds $name is answered 200 and kept as a dead letter with its exact bytes',
    async ({ key, reason }) => {
      const { app, storage } = await open();
      const body = paymentBody(key);
      const answer = await app.inject({ method: 'POST', url: '/webhooks/stripe', ...signed(body) });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ received: true, deadLetter: true });

      const [letter] = await storage.listDeadLetters({ limit: 10, offset: 0 });
      expect(letter).toMatchObject({ source: 'delivery', provider: 'stripe', eventId: null });
      expect(letter?.reason).toMatch(reason);
      const detail = await storage.showDeadLetter(letter?.id ?? '');
      expect(Buffer.from(detail?.body ?? []).equals(Buffer.from(body))).toBe(true);
      // No inbox id can hold such a key, so none names anything (and asking does not fail).
      expect(await storage.showDeadLetter(`inbox:stripe:evt_${key}`)).toBeNull();
      expect(await app.inbox.pending()).toBe(0);
    },
  );

  test('header values with U+0000 and Latin-1 bytes, and a body with raw 0xFF and an escaped U+0000, are stored exactly and applied', async () => {
    const { app, storage, inboxRow } = await open();
    const { event, eventId } = stripe.buildEvent(step('ord_bytes', 'succeeded'));
    const json = JSON.stringify({ ...(event as object), description: 'nul \u0000 here' });
    // A raw 0xFF byte (no UTF-8) inside a string value the schema does not read.
    const body = Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"note":"\xff"}', 'latin1')]);
    await storage.putOrder({ orderId: 'ord_bytes', amountMinor: 5000, currency: 'USD' }, 0);

    const odd = 'a\u0000b\u00ff\u0001';
    const answer = await app.inject({ method: 'POST', url: '/webhooks/stripe', ...signed(body, { 'x-odd': odd }) });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ received: true, duplicate: false });
    await app.inbox.drain();

    const row = await inboxRow('stripe', eventId);
    expect(row?.headers['x-odd']).toBe(odd);
    expect(row?.body.equals(body)).toBe(true);
    expect(row).toMatchObject({ state: 'done', attempts: 1 });
    expect(await storage.getOrder('ord_bytes')).toMatchObject({ status: 'paid', fulfillments: 1 });
  });

  test('an event whose order id holds U+0000 is stored, then moved to dead letters by the worker, not retried', async () => {
    const { app, storage } = await open({ maxAttempts: 3 });
    const body = paymentBody('order_nul', 'ord\u0000nul');
    const answer = await app.inject({ method: 'POST', url: '/webhooks/stripe', ...signed(body) });
    expect(answer.json()).toEqual({ received: true, duplicate: false });
    await app.inbox.drain();

    const [letter] = await storage.listDeadLetters({ limit: 10, offset: 0 });
    expect(letter).toMatchObject({ id: 'inbox:stripe:evt_order_nul', source: 'inbox', attempts: 1 });
    expect(letter?.reason).toBe(
      `the event's order id contains U+0000, which PostgreSQL cannot store as text: "ord\\u0000nul"`,
    );
  });
});
