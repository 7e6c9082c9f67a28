import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type PaymentStep, type Provider, signedRequest } from '../../contracts/provider.js';
import { standardWebhooks } from '../../contracts/providers/standard-webhooks.js';
import { stripe } from '../../contracts/providers/stripe.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with the gateways' official libraries: what our contracts sign, stripe-node and standardwebhooks accept;
 * what they sign, our verifiers accept; a tampered body is refused by both; the replay windows agree to the second.
 */
const NOW = 1_700_000_000;
const kinds: readonly PaymentStep['kind'][] = ['pending', 'succeeded', 'failed', 'refunded'];

function step(kind: PaymentStep['kind']): PaymentStep {
  return {
    kind,
    eventKey: `${kind}_xcheck`,
    orderId: 'ord_xcheck',
    paymentKey: 'pay_xcheck',
    amountMinor: 4999,
    currency: 'USD',
    createdAt: NOW - 60,
    ...(kind === 'refunded' ? { refund: { key: 'ref_xcheck', amountMinor: 1000, cumulativeMinor: 1000 } } : {}),
  };
}

/** A request signed by our contracts for one step, with its event id and body text. */
function ours<Event>(provider: Provider<Event>, kind: PaymentStep['kind'], secrets: string[], timestamp = NOW) {
  const { event, eventId } = provider.buildEvent(step(kind));
  const body = provider.encode(event);
  const request = signedRequest(provider, { body, eventId, secrets, timestamp });
  return { eventId, body, text: fromUtf8(body), headers: request.headers };
}

function tampered(text: string): string {
  return text.replace('4999', '5099');
}

describe('Stripe (stripe-node)', () => {
  const library = new Stripe('sk_test_x');
  const secret = stripe.secret.generate(new Uint8Array(32).fill(3));
  const oldSecret = stripe.secret.generate(new Uint8Array(32).fill(4));
  // stripe-node's `receivedAt` is in milliseconds, like Date.now(), though the header's timestamp is in seconds.
  const construct = (payload: string | Uint8Array, header: string, key: string, nowSeconds = NOW) =>
    library.webhooks.constructEvent(payload, header, key, 300, undefined, nowSeconds * 1000);

  test.each(kinds)('a %s event signed by our contract is accepted by constructEvent', (kind) => {
    const signed = ours(stripe, kind, [secret]);
    const event = construct(Buffer.from(signed.body), signed.headers['stripe-signature'] ?? '', secret);
    expect(event.id).toBe(signed.eventId);
    expect(event).toEqual(JSON.parse(signed.text));
  });

  test('a header signed by the old and the new secret is accepted by constructEvent', () => {
    const signed = ours(stripe, 'succeeded', [oldSecret, secret]);
    expect(construct(signed.text, signed.headers['stripe-signature'] ?? '', secret).id).toBe(signed.eventId);
  });

  test.each(signingVectors('stripe'))('the known-answer vector "$name" is accepted by constructEvent', (vector) => {
    const key = vector.secrets.at(-1) ?? '';
    const event = construct(vector.body, vector.headers['stripe-signature'] ?? '', key, vector.timestamp);
    expect(event.id).toBe(vector.eventId);
  });

  test('a header made by generateTestHeaderString verifies with our contract', () => {
    const payload = ours(stripe, 'succeeded', [secret]).text;
    const header = library.webhooks.generateTestHeaderString({ payload, secret, timestamp: NOW });
    const result = stripe.verify({
      body: utf8(payload),
      headers: { 'stripe-signature': header },
      secret,
      nowSeconds: NOW,
    });
    expect(result).toEqual({ ok: true, timestamp: NOW });
  });

  test('a tampered body is refused by both, whichever side signed it', () => {
    const signed = ours(stripe, 'succeeded', [secret]);
    expect(() => construct(tampered(signed.text), signed.headers['stripe-signature'] ?? '', secret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const header = library.webhooks.generateTestHeaderString({ payload: signed.text, secret, timestamp: NOW });
    const result = stripe.verify({
      body: utf8(tampered(signed.text)),
      headers: { 'stripe-signature': header },
      secret,
      nowSeconds: NOW,
    });
    expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test.each([
    { age: 300, accepted: true },
    { age: 301, accepted: false },
    { age: -3600, accepted: true },
  ])('a delivery $age s old is accepted by both or by neither (accepted: $accepted)', ({ age, accepted }) => {
    const signed = ours(stripe, 'succeeded', [secret], NOW - age);
    const header = signed.headers['stripe-signature'] ?? '';
    const byLibrary = (() => {
      try {
        construct(signed.text, header, secret);
        return true;
      } catch {
        return false;
      }
    })();
    const byContract = stripe.verify({ body: signed.body, headers: signed.headers, secret, nowSeconds: NOW }).ok;
    expect({ byLibrary, byContract }).toEqual({ byLibrary: accepted, byContract: accepted });
  });
});

describe('Standard Webhooks (standardwebhooks)', () => {
  const secret = standardWebhooks.secret.generate(new Uint8Array(32).fill(3));
  const oldSecret = standardWebhooks.secret.generate(new Uint8Array(32).fill(4));

  // The library reads the real clock (Date.now) for its ±300 s window; pin Date to the signing time.
  const pinDate = (seconds: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(seconds * 1000);
  };
  afterEach(() => {
    vi.useRealTimers();
  });

  test.each(kinds)('a %s event signed by our contract is accepted by Webhook.verify', (kind) => {
    pinDate(NOW);
    const signed = ours(standardWebhooks, kind, [secret]);
    // The library takes a string or a Buffer, not a plain Uint8Array.
    expect(new Webhook(secret).verify(Buffer.from(signed.body), signed.headers)).toEqual(JSON.parse(signed.text));
  });

  test('a header signed by the old and the new secret is accepted by Webhook.verify', () => {
    pinDate(NOW);
    const signed = ours(standardWebhooks, 'succeeded', [oldSecret, secret]);
    expect(new Webhook(secret).verify(signed.text, signed.headers)).toEqual(JSON.parse(signed.text));
  });

  test.each(signingVectors('standard-webhooks'))(
    'the known-answer vector "$name" is accepted by Webhook.verify',
    (vector) => {
      pinDate(vector.timestamp);
      const key = vector.secrets.at(-1) ?? '';
      expect(new Webhook(key).verify(vector.body, vector.headers)).toEqual(JSON.parse(vector.body));
    },
  );

  test('a signature made by Webhook.sign verifies with our contract', () => {
    const { eventId, text } = ours(standardWebhooks, 'succeeded', [secret]);
    const signature = new Webhook(secret).sign(eventId, new Date(NOW * 1000), text);
    const headers = { 'webhook-id': eventId, 'webhook-timestamp': String(NOW), 'webhook-signature': signature };
    expect(standardWebhooks.verify({ body: utf8(text), headers, secret, nowSeconds: NOW })).toEqual({
      ok: true,
      timestamp: NOW,
    });
  });

  test('a tampered body is refused by both, whichever side signed it', () => {
    pinDate(NOW);
    const signed = ours(standardWebhooks, 'succeeded', [secret]);
    expect(() => new Webhook(secret).verify(tampered(signed.text), signed.headers)).toThrow('No matching signature');
    const signature = new Webhook(secret).sign(signed.eventId, new Date(NOW * 1000), signed.text);
    const headers = { 'webhook-id': signed.eventId, 'webhook-timestamp': String(NOW), 'webhook-signature': signature };
    const result = standardWebhooks.verify({ body: utf8(tampered(signed.text)), headers, secret, nowSeconds: NOW });
    expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test.each([
    { age: 300, accepted: true },
    { age: 301, accepted: false },
    { age: -300, accepted: true },
    { age: -301, accepted: false },
  ])('a delivery $age s old is accepted by both or by neither (accepted: $accepted)', ({ age, accepted }) => {
    pinDate(NOW);
    const signed = ours(standardWebhooks, 'succeeded', [secret], NOW - age);
    const byLibrary = (() => {
      try {
        new Webhook(secret).verify(signed.text, signed.headers);
        return true;
      } catch {
        return false;
      }
    })();
    const byContract = standardWebhooks.verify({
      body: signed.body,
      headers: signed.headers,
      secret,
      nowSeconds: NOW,
    }).ok;
    expect({ byLibrary, byContract }).toEqual({ byLibrary: accepted, byContract: accepted });
  });
});
