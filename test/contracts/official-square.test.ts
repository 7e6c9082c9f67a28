import { WebhooksHelper } from 'square';
import { describe, expect, test } from 'vitest';
import { type PaymentStep, signedRequest } from '../../contracts/provider.js';
import { square } from '../../contracts/providers/square.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with the official `square` SDK: what our contract signs for a notification URL,
 * `WebhooksHelper.verifySignature` accepts for that URL and refuses for any other; a tampered body is refused by both.
 * The SDK cannot sign; the known-answer vectors (one from docs/providers.md) pass both verifiers.
 */
const NOW = 1_700_000_000;
const URL = 'https://shop.example.com/webhooks/square';
const kinds: readonly PaymentStep['kind'][] = ['pending', 'succeeded', 'failed', 'refunded'];
const secret = square.secret.generate(new Uint8Array(32).fill(3));

function ours(kind: PaymentStep['kind']) {
  const { event, eventId } = square.buildEvent({
    kind,
    eventKey: `${kind}_xcheck`,
    orderId: 'ord_xcheck',
    paymentKey: 'pay_xcheck',
    amountMinor: 4999,
    currency: 'USD',
    createdAt: NOW - 60,
    ...(kind === 'refunded' ? { refund: { key: 'ref_xcheck', amountMinor: 1000, cumulativeMinor: 1000 } } : {}),
  });
  const body = square.encode(event);
  const request = signedRequest(square, { body, eventId, secrets: [secret], timestamp: NOW, notificationUrl: URL });
  return { eventId, body, text: fromUtf8(body), signature: request.headers['x-square-hmacsha256-signature'] ?? '' };
}

const sdkVerifies = (requestBody: string, signatureHeader: string, signatureKey: string, notificationUrl: string) =>
  WebhooksHelper.verifySignature({ requestBody, signatureHeader, signatureKey, notificationUrl });

describe('Square (square WebhooksHelper)', () => {
  test.each(kinds)('a %s event signed by our contract is accepted by verifySignature', async (kind) => {
    const signed = ours(kind);
    expect(await sdkVerifies(signed.text, signed.signature, secret, URL)).toBe(true);
    expect(JSON.parse(signed.text)).toMatchObject({ event_id: signed.eventId });
  });

  test('the signature covers the notification URL: another URL is refused by both', async () => {
    const signed = ours('succeeded');
    const other = 'http://127.0.0.1:3000/webhooks/square';
    expect(await sdkVerifies(signed.text, signed.signature, secret, other)).toBe(false);
    const headers = { 'x-square-hmacsha256-signature': signed.signature };
    const verdict = square.verify({ body: signed.body, headers, secret, nowSeconds: NOW, notificationUrl: other });
    expect(verdict).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test.each(signingVectors('square'))('the known-answer vector "$name" is accepted by both', async (vector) => {
    const key = vector.secrets.at(-1) ?? '';
    const url = vector.notificationUrl ?? '';
    const signature = vector.headers['x-square-hmacsha256-signature'] ?? '';
    expect(await sdkVerifies(vector.body, signature, key, url)).toBe(true);
    const verdict = square.verify({
      body: utf8(vector.body),
      headers: vector.headers,
      secret: key,
      nowSeconds: NOW,
      notificationUrl: url,
    });
    expect(verdict).toEqual({ ok: true });
  });

  test('a tampered body is refused by both', async () => {
    const signed = ours('succeeded');
    const tampered = signed.text.replace('4999', '5099');
    expect(await sdkVerifies(tampered, signed.signature, secret, URL)).toBe(false);
    const headers = { 'x-square-hmacsha256-signature': signed.signature };
    const verdict = square.verify({ body: utf8(tampered), headers, secret, nowSeconds: NOW, notificationUrl: URL });
    expect(verdict).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });
});
