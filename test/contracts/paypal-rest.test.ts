import { createVerify, X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { PaymentStep } from '../../contracts/provider.js';
import {
  PAYPAL_REST_HEADERS,
  paypalRest,
  paypalRestHeaders,
  verifyPaypalRest,
} from '../../contracts/providers/paypal-rest.js';
import {
  ATTACKER_CERTIFICATE_PEM,
  ATTACKER_PRIVATE_KEY_PEM,
  GATEWAY_CERTIFICATE_PEM,
} from '../../contracts/providers/paypal-rest-certificates.js';
import { crc32, crc32AsSignedInt } from '../../contracts/providers/paypal-rest-crc32.js';
import { signingVectors } from '../../contracts/vectors.js';
import { utf8 } from '../../contracts/wire.js';

const WEBHOOK_ID = '8PT597110X687430LKGECATA';
const NOW = 1_700_000_000;
const PROVIDERS_MD_BODY = '{"id":"evt_test_webhook","object":"event"}';

describe('crc32', () => {
  test.each([
    ['', 0],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
    [PROVIDERS_MD_BODY, 2_255_471_879],
  ])('crc32(%j) is the published unsigned value', (text, expected) => {
    expect(crc32(utf8(text))).toBe(expected);
  });

  test('a body whose CRC has the top bit set prints differently as a signed int (docs/providers.md §3.2)', () => {
    expect(crc32AsSignedInt(utf8(PROVIDERS_MD_BODY))).toBe(-2_039_495_417);
    expect(crc32AsSignedInt(utf8('123456789'))).toBe(crc32(utf8('123456789')) - 2 ** 32);
    expect(crc32AsSignedInt(utf8('a'.repeat(3)))).toBe(crc32(utf8('aaa')) | 0);
  });
});

describe('PayPal REST known-answer vectors', () => {
  const vectors = signingVectors('paypal-rest');

  test.each(vectors)('signing "$name" yields the published headers', (vector) => {
    const headers = paypalRest.sign({
      body: utf8(vector.body),
      secrets: vector.secrets,
      timestamp: vector.timestamp,
      eventId: vector.eventId,
    });
    expect(headers).toEqual(vector.headers);
  });

  test.each(vectors)('"$name" verifies with the gateway certificate and nothing else', (vector) => {
    const input = { body: utf8(vector.body), headers: vector.headers, nowSeconds: vector.timestamp };
    const secret = vector.secrets.at(-1) ?? '';
    expect(paypalRest.verify({ ...input, secret, certificate: GATEWAY_CERTIFICATE_PEM })).toEqual({ ok: true });
    expect(paypalRest.verify({ ...input, secret }).ok).toBe(false);
    expect(paypalRest.verify({ ...input, secret, certificate: ATTACKER_CERTIFICATE_PEM }).ok).toBe(false);
    expect(paypalRest.verify({ ...input, secret: 'ANOTHERWEBHOOKID', certificate: GATEWAY_CERTIFICATE_PEM }).ok).toBe(
      false,
    );
  });

  test('the first vector is the signature over the string built by hand with the unsigned CRC', () => {
    const [vector] = vectors;
    if (vector === undefined) throw new Error('no vector');
    const h = vector.headers;
    const content = `${h[PAYPAL_REST_HEADERS.transmissionId]}|${h[PAYPAL_REST_HEADERS.transmissionTime]}|${WEBHOOK_ID}|2255471879`;
    const key = new X509Certificate(GATEWAY_CERTIFICATE_PEM).publicKey;
    const sig = h[PAYPAL_REST_HEADERS.transmissionSig] ?? '';
    expect(createVerify('sha256').update(content).verify(key, sig, 'base64')).toBe(true);
    const signedContent = content.replace('2255471879', '-2039495417');
    expect(createVerify('sha256').update(signedContent).verify(key, sig, 'base64')).toBe(false);
    expect(h[PAYPAL_REST_HEADERS.transmissionTime]).toBe('2023-11-14T22:13:20Z');
  });
});

describe('PayPal REST verification', () => {
  const step: PaymentStep = {
    kind: 'succeeded',
    eventKey: 'e1',
    orderId: 'ord_1',
    paymentKey: 'p1',
    amountMinor: 1995,
    currency: 'USD',
    createdAt: NOW,
  };
  const { event, eventId } = paypalRest.buildEvent(step);
  const body = paypalRest.encode(event);
  const signInput = { body, secrets: [WEBHOOK_ID], timestamp: NOW, eventId };
  const verify = (headers: Record<string, string>, bytes: Uint8Array = body, crc?: 'signed') =>
    verifyPaypalRest({
      body: bytes,
      headers,
      webhookId: WEBHOOK_ID,
      certificatePem: GATEWAY_CERTIFICATE_PEM,
      nowSeconds: NOW,
      ...(crc === undefined ? {} : { crc }),
    });

  test('a genuine event parses, verifies and means the payment it was built from', () => {
    expect(verify(paypalRest.sign(signInput))).toEqual({ ok: true });
    const parsed = paypalRest.eventSchema.parse(JSON.parse(Buffer.from(body).toString('utf8')));
    expect(paypalRest.toFact(parsed, eventId)).toMatchObject({
      kind: 'succeeded',
      orderId: 'ord_1',
      amountMinor: 1995,
      currency: 'USD',
    });
    expect(eventId).toMatch(/^WH-/);
  });

  test('a refund carries its own amount and the cumulative total', () => {
    const refund = paypalRest.buildEvent({
      ...step,
      kind: 'refunded',
      eventKey: 'e2',
      refund: { key: 'r1', amountMinor: 500, cumulativeMinor: 700 },
    });
    const parsed = paypalRest.eventSchema.parse(JSON.parse(Buffer.from(paypalRest.encode(refund.event)).toString()));
    expect(paypalRest.toFact(parsed, refund.eventId)).toMatchObject({
      kind: 'refunded',
      refund: { amountMinor: 500, cumulativeMinor: 700 },
    });
  });

  test('a tampered body, another key, a changed header or a missing one are rejected', () => {
    const headers = paypalRest.sign(signInput);
    expect(verify(headers, utf8(Buffer.from(body).toString().replace('19.95', '0.01')))).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(verify(paypalRestHeaders(signInput, { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM })).ok).toBe(false);
    for (const [name, malform] of Object.entries(paypalRest.malformations)) {
      expect(verify(malform(headers)).ok, name).toBe(false);
    }
    const { [PAYPAL_REST_HEADERS.certUrl]: _dropped, ...withoutCertUrl } = headers;
    expect(verify(withoutCertUrl)).toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  test('a signature over the signed-int CRC fools only a verifier that makes the same mistake', () => {
    const bytes = utf8(PROVIDERS_MD_BODY);
    const input = { ...signInput, body: bytes };
    const forged = paypalRestHeaders(input, { crc: 'signed' });
    expect(verify(forged, bytes).ok).toBe(false);
    expect(verify(forged, bytes, 'signed').ok).toBe(true);
    // …and the mistaken verifier refuses PayPal's genuine signature for every body whose CRC has its top bit set.
    expect(verify(paypalRestHeaders(input), bytes, 'signed').ok).toBe(false);
  });

  test('a certificate outside its validity is refused', () => {
    const headers = paypalRest.sign(signInput);
    const after2099 = Date.UTC(2100, 0, 2) / 1000;
    expect(
      verifyPaypalRest({
        body,
        headers,
        webhookId: WEBHOOK_ID,
        certificatePem: GATEWAY_CERTIFICATE_PEM,
        nowSeconds: after2099,
      }),
    ).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test('the webhook id is the secret: its format is checked, a generated one passes', () => {
    expect(paypalRest.secret.problem(paypalRest.secret.generate(new Uint8Array(32).fill(3)))).toBeNull();
    expect(paypalRest.secret.problem('WH-58D329510W468432D')).not.toBeNull();
    expect(paypalRest.secret.problem(` ${WEBHOOK_ID}`)).not.toBeNull();
    expect(paypalRest.secret.problem('')).not.toBeNull();
  });
});
