import { describe, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { GATEWAY_CERTIFICATE_PEM } from '../../contracts/providers/paypal-rest-certificates.js';
import { type SigningVector, signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

// Signature schemes only: PayPal IPN's known answers (its bytes and its postback) are in paypal-ipn.test.ts.
const signed = Object.values(providers).filter((provider) => provider.authentication === 'signature');

describe.each(signed)('$title known-answer vectors', (provider) => {
  const vectors = signingVectors(provider.id);

  test('there is at least one vector', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  test.each(vectors)('signing "$name" yields the published headers', (vector) => {
    const headers = provider.sign({
      body: utf8(vector.body),
      secrets: vector.secrets,
      timestamp: vector.timestamp,
      eventId: vector.eventId,
      ...urlOf(vector),
    });
    expect(headers).toEqual(vector.headers);
    // A scheme that signs inside the body (Adyen) also yields the published body.
    if (vector.signedBody !== undefined) {
      expect(fromUtf8(provider.signBody?.({ ...signInput(vector), body: utf8(vector.body) }) ?? new Uint8Array())).toBe(
        vector.signedBody,
      );
    }
  });

  test.each(vectors)('"$name" verifies with the last secret at its own timestamp', (vector) => {
    const secret = vector.secrets.at(-1) ?? '';
    const result = provider.verify({
      body: utf8(vector.signedBody ?? vector.body),
      headers: vector.headers,
      secret,
      nowSeconds: vector.timestamp,
      ...urlOf(vector),
      // The certificate a certificate scheme (PayPal REST) verifies with, as a receiver fetches it; others ignore it.
      certificate: GATEWAY_CERTIFICATE_PEM,
    });
    // Schemes without a signed timestamp (Shopify, Razorpay, Square) have none to report.
    expect(result).toEqual(provider.tolerance === null ? { ok: true } : { ok: true, timestamp: vector.timestamp });
  });

  test.each(vectors)('"$name" fails with one byte of the body changed', (vector) => {
    const secret = vector.secrets.at(-1) ?? '';
    // An in-body signature covers fields, not bytes (Adyen): there, one byte of the amount.
    const body =
      vector.signedBody === undefined
        ? utf8(`${vector.body} `)
        : utf8(
            vector.signedBody.replace(/"value": ?(\d)/, (field, digit: string) =>
              field.replace(digit, digit === '9' ? '8' : '9'),
            ),
          );
    const result = provider.verify({
      body,
      headers: vector.headers,
      secret,
      nowSeconds: vector.timestamp,
      ...urlOf(vector),
      // The certificate a certificate scheme (PayPal REST) verifies with, as a receiver fetches it; others ignore it.
      certificate: GATEWAY_CERTIFICATE_PEM,
    });
    expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test.each(vectors.filter((vector) => vector.notificationUrl !== undefined))(
    '"$name" fails when verified with another notification URL',
    (vector) => {
      const result = provider.verify({
        body: utf8(vector.body),
        headers: vector.headers,
        secret: vector.secrets.at(-1) ?? '',
        nowSeconds: vector.timestamp,
        notificationUrl: `${vector.notificationUrl ?? ''}/`,
      });
      expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    },
  );
});

function signInput(vector: SigningVector) {
  return { secrets: vector.secrets, timestamp: vector.timestamp, eventId: vector.eventId, ...urlOf(vector) };
}

function urlOf(vector: SigningVector): { notificationUrl?: string } {
  return vector.notificationUrl === undefined ? {} : { notificationUrl: vector.notificationUrl };
}
