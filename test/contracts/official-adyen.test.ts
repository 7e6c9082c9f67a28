import { hmacValidator as HmacValidator } from '@adyen/api-library';
import { describe, expect, test } from 'vitest';
import { type PaymentStep, signedRequest } from '../../contracts/provider.js';
import { adyen, adyenItems } from '../../contracts/providers/adyen.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with @adyen/api-library's `HmacValidator`: every item our contract signs, `validateHMAC` accepts and
 * `calculateHmac` computes the same signature for; what the library signs, our verifier accepts; a changed field, a
 * removed signature or a key used without hex-decoding is refused by both.
 */
const NOW = 1_700_000_000;
const validator = new HmacValidator();
const key = adyen.secret.generate(new Uint8Array(32).map((_, i) => (i * 37 + 11) % 256));

const steps: readonly PaymentStep[] = [
  {
    kind: 'succeeded',
    eventKey: 'e1',
    orderId: 'ord_xcheck',
    paymentKey: 'p1',
    amountMinor: 4999,
    currency: 'EUR',
    createdAt: NOW,
  },
  {
    kind: 'failed',
    eventKey: 'e2',
    orderId: 'ord_xcheck',
    paymentKey: 'p1',
    amountMinor: 4999,
    currency: 'EUR',
    createdAt: NOW,
  },
  {
    kind: 'refunded',
    eventKey: 'e3',
    orderId: 'ord_xcheck',
    paymentKey: 'p1',
    amountMinor: 4999,
    currency: 'EUR',
    createdAt: NOW,
    refund: { key: 'r1', amountMinor: 1000, cumulativeMinor: 1000 },
  },
];

function signed(step: PaymentStep) {
  const { event, eventId } = adyen.buildEvent(step);
  const request = signedRequest(adyen, { body: adyen.encode(event), eventId, secrets: [key], timestamp: NOW });
  return { body: request.body, headers: request.headers };
}

/** The single item of a body, as the library takes it. */
function itemOf(body: Uint8Array) {
  const [item] = adyenItems(JSON.parse(fromUtf8(body))) ?? [];
  if (item === undefined) throw new Error('no NotificationRequestItem');
  // The library takes its generated class; our schema-checked item has the fields its HMAC reads.
  return item as unknown as Parameters<HmacValidator['validateHMAC']>[0];
}

const verifies = (body: Uint8Array, secret = key) => adyen.verify({ body, headers: {}, secret, nowSeconds: NOW });

describe('Adyen (@adyen/api-library HmacValidator)', () => {
  test.each(steps)('a $kind notification signed by our contract is valid for validateHMAC', (step) => {
    const item = itemOf(signed(step).body);
    expect(item.additionalData?.hmacSignature).toBe(validator.calculateHmac(item, key));
    expect(validator.validateHMAC(item, key)).toBe(true);
  });

  test.each(signingVectors('adyen'))('the vector "$name" is valid for the library', (vector) => {
    const item = itemOf(utf8(vector.signedBody ?? ''));
    expect(validator.validateHMAC(item, vector.secrets.at(-1) ?? '')).toBe(true);
  });

  test('a signature made by the library verifies with our contract', () => {
    const body = signed(steps[0] as PaymentStep).body;
    const value = JSON.parse(fromUtf8(body));
    const item = value.notificationItems[0].NotificationRequestItem;
    item.additionalData.hmacSignature = '';
    item.merchantReference = 'ord_library_signed';
    item.additionalData.hmacSignature = validator.calculateHmac(item, key);
    expect(verifies(utf8(JSON.stringify(value)))).toEqual({ ok: true });
  });

  test.each(Object.keys(adyen.bodyForgeries ?? {}))('the forgery "%s" is refused by both', (name) => {
    const forge = adyen.bodyForgeries?.[name];
    if (forge === undefined) throw new Error(name);
    const forged = forge(signed(steps[0] as PaymentStep).body, key);
    const item = itemOf(forged);
    const library = (() => {
      try {
        return validator.validateHMAC(item, key);
      } catch {
        return false; // a missing hmacSignature throws
      }
    })();
    expect(library).toBe(false);
    expect(verifies(forged).ok).toBe(false);
  });

  test('a changed amount is refused by both, and the key as text is not the key', () => {
    const body = signed(steps[0] as PaymentStep).body;
    const tampered = adyen.tamper?.(body) ?? body;
    expect(validator.validateHMAC(itemOf(tampered), key)).toBe(false);
    expect(verifies(tampered)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    expect(validator.validateHMAC(itemOf(body), key)).toBe(true);
    expect(validator.calculateHmac(itemOf(body), Buffer.from(key).toString('hex'))).not.toBe(
      itemOf(body).additionalData?.hmacSignature,
    );
  });
});
