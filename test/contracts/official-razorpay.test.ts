import Razorpay from 'razorpay';
import { describe, expect, test } from 'vitest';
import { type PaymentStep, signedRequest } from '../../contracts/provider.js';
import { razorpay } from '../../contracts/providers/razorpay.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with the official `razorpay` package: what our contract signs, `validateWebhookSignature` accepts; a
 * tampered body is refused by both. The package cannot sign; its rule (hex HMAC-SHA256 of the body) is what the
 * known-answer vectors pin, and they pass both ways.
 */
const NOW = 1_700_000_000;
const kinds: readonly PaymentStep['kind'][] = ['pending', 'succeeded', 'failed', 'refunded'];
const secret = razorpay.secret.generate(new Uint8Array(32).fill(3));

function ours(kind: PaymentStep['kind']) {
  const { event, eventId } = razorpay.buildEvent({
    kind,
    eventKey: `${kind}_xcheck`,
    orderId: 'ord_xcheck',
    paymentKey: 'pay_xcheck',
    amountMinor: 4999,
    currency: 'INR',
    createdAt: NOW - 60,
    ...(kind === 'refunded' ? { refund: { key: 'ref_xcheck', amountMinor: 1000, cumulativeMinor: 1000 } } : {}),
  });
  const body = razorpay.encode(event);
  const request = signedRequest(razorpay, { body, eventId, secrets: [secret], timestamp: NOW });
  return { eventId, body, text: fromUtf8(body), headers: request.headers };
}

describe('Razorpay (razorpay)', () => {
  test.each(kinds)('a %s event signed by our contract is accepted by validateWebhookSignature', (kind) => {
    const signed = ours(kind);
    const signature = signed.headers['x-razorpay-signature'] ?? '';
    expect(Razorpay.validateWebhookSignature(signed.text, signature, secret)).toBe(true);
    expect(signed.headers['x-razorpay-event-id']).toBe(signed.eventId);
  });

  test.each(signingVectors('razorpay'))('the known-answer vector "$name" is accepted by both', (vector) => {
    const key = vector.secrets.at(-1) ?? '';
    const signature = vector.headers['x-razorpay-signature'] ?? '';
    expect(Razorpay.validateWebhookSignature(vector.body, signature, key)).toBe(true);
    const verdict = razorpay.verify({ body: utf8(vector.body), headers: vector.headers, secret: key, nowSeconds: NOW });
    expect(verdict).toEqual({ ok: true });
  });

  test('a tampered body is refused by both', () => {
    const signed = ours('succeeded');
    const tampered = signed.text.replace('4999', '5099');
    const signature = signed.headers['x-razorpay-signature'] ?? '';
    expect(Razorpay.validateWebhookSignature(tampered, signature, secret)).toBe(false);
    expect(razorpay.verify({ body: utf8(tampered), headers: signed.headers, secret, nowSeconds: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  test('the API key secret is not the webhook secret: both refuse a body signed with the webhook secret', () => {
    const signed = ours('succeeded');
    const signature = signed.headers['x-razorpay-signature'] ?? '';
    const apiKeySecret = 'rzp_test_keysecret';
    expect(Razorpay.validateWebhookSignature(signed.text, signature, apiKeySecret)).toBe(false);
    expect(
      razorpay.verify({ body: signed.body, headers: signed.headers, secret: apiKeySecret, nowSeconds: NOW }).ok,
    ).toBe(false);
    expect(razorpay.secret.problem(apiKeySecret)).toMatch(/API key/);
  });
});
