import { describe, expect, test } from 'vitest';
import type { PaymentStep } from '../../contracts/provider.js';
import { signedRequest } from '../../contracts/provider.js';
import { adyen, signAdyenBody } from '../../contracts/providers/adyen.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

const NOW = 1_700_000_000;
const key = adyen.secret.generate(new Uint8Array(32).fill(5));

function itemsOf(...kinds: PaymentStep['kind'][]) {
  return kinds.map((kind, i) => {
    const { event } = adyen.buildEvent({
      kind,
      eventKey: `e${i}`,
      orderId: `ord_${i}`,
      paymentKey: `p${i}`,
      amountMinor: 1000 + i,
      currency: 'EUR',
      createdAt: NOW,
    });
    return event.notificationItems[0];
  });
}

const batch = (items: unknown[]) => utf8(JSON.stringify({ live: 'false', notificationItems: items }));
const verify = (body: Uint8Array) => adyen.verify({ body, headers: {}, secret: key, nowSeconds: NOW });

describe('Adyen signing inside the body', () => {
  test('every item of a batch is signed, and the batch verifies only while every item does', () => {
    const signed = signAdyenBody(batch(itemsOf('succeeded', 'failed', 'pending')), key);
    expect(verify(signed)).toEqual({ ok: true });
    const value = JSON.parse(fromUtf8(signed));
    value.notificationItems[2].NotificationRequestItem.amount.value += 1;
    expect(verify(utf8(JSON.stringify(value)))).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  test('a batch has no single event identity; split, each item is a notification of its own that still verifies', () => {
    const signed = signAdyenBody(batch(itemsOf('succeeded', 'failed')), key);
    expect(adyen.eventId(adyen.envelopeSchema.parse(JSON.parse(fromUtf8(signed))), {})).toBeNull();
    const parts = adyen.split?.(signed) ?? [];
    expect(parts).toHaveLength(2);
    const ids = parts.map((part) => {
      expect(verify(part)).toEqual({ ok: true });
      return adyen.eventId(adyen.envelopeSchema.parse(JSON.parse(fromUtf8(part))), {});
    });
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id !== null)).toBe(true);
    expect(adyen.split?.(signAdyenBody(batch(itemsOf('succeeded')), key))).toBeNull();
  });

  test('the signature goes in place: a pretty-printed body keeps its layout', () => {
    const { event, eventId } = adyen.buildEvent({
      kind: 'succeeded',
      eventKey: 'e',
      orderId: 'ord',
      paymentKey: 'p',
      amountMinor: 1,
      currency: 'EUR',
      createdAt: NOW,
    });
    const pretty = utf8(JSON.stringify(event, null, 2));
    const signed = fromUtf8(signedRequest(adyen, { body: pretty, eventId, secrets: [key], timestamp: NOW }).body);
    expect(signed.replace(/"hmacSignature": "[^"]+"/, '"hmacSignature": ""')).toBe(fromUtf8(pretty));
    expect(verify(utf8(signed))).toEqual({ ok: true });
  });

  test('a body that is not a notification is left as it is, and fails verification', () => {
    const body = utf8('{"live":"false"');
    expect(signAdyenBody(body, key)).toBe(body);
    expect(verify(body)).toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  test('a key that is not hex is named as the problem', () => {
    expect(adyen.secret.problem('not-hex!')).toMatch(/not hexadecimal/);
    expect(adyen.secret.problem(key)).toBeNull();
  });
});
