import Stripe from 'stripe';
import { expect, test } from 'vitest';
import { stripe, stripeSignature } from '../../contracts/providers/stripe.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Stripe's signature covers the raw bytes: two bodies that differ only in an invalid UTF-8 byte (0xFF and 0xFE both
 * decode to U+FFFD) are two different payloads. stripe-node decodes first and takes them for one; we are stricter.
 */
const NOW = 1_700_000_000;
const secret = stripe.secret.generate(new Uint8Array(32).fill(7));

/** A Stripe-shaped event whose description holds one byte that is not UTF-8. */
function bodyWith(byte: number): Uint8Array {
  const before = utf8('{"id":"evt_bytes","object":"event","data":{"object":{"description":"');
  const after = utf8('"}}}');
  return Uint8Array.from([...before, byte, ...after]);
}

const signed = bodyWith(0xff);
const swapped = bodyWith(0xfe);
const header = `t=${NOW},v1=${stripeSignature(signed, secret, NOW)}`;

test('the two bodies decode to the same text but are different bytes', () => {
  expect(fromUtf8(signed)).toBe(fromUtf8(swapped));
  expect(Buffer.from(signed).equals(Buffer.from(swapped))).toBe(false);
});

test('a body signed with 0xFF verifies; the same body with 0xFE is refused as no matching signature', () => {
  const headers = { 'stripe-signature': header };
  expect(stripe.verify({ body: signed, headers, secret, nowSeconds: NOW })).toEqual({ ok: true, timestamp: NOW });
  expect(stripe.verify({ body: swapped, headers, secret, nowSeconds: NOW })).toMatchObject({
    ok: false,
    reason: 'no_matching_signature',
  });
});

test('signing covers the bytes too: the two bodies get different signatures', () => {
  const sign = (body: Uint8Array) => stripe.sign({ body, secrets: [secret], timestamp: NOW, eventId: 'evt_bytes' });
  expect(sign(signed)).not.toEqual(sign(swapped));
});

test('for valid UTF-8 the bytes and the text give the same signature, so nothing Stripe sends verifies differently', () => {
  const text = '{"id":"evt_ünïcødé","note":"€ 49,99 — ok"}';
  expect(stripeSignature(utf8(text), secret, NOW)).toBe(stripeSignature(text, secret, NOW));
});

test('where we are stricter than stripe-node: it hashes the decoded text, so one signature passes for both bodies', () => {
  const library = new Stripe('sk_test_x');
  const overText = `t=${NOW},v1=${stripeSignature(fromUtf8(signed), secret, NOW)}`;
  for (const body of [signed, swapped]) {
    const event = library.webhooks.constructEvent(Buffer.from(body), overText, secret, 300, undefined, NOW * 1000);
    expect(event.id).toBe('evt_bytes');
    expect(stripe.verify({ body, headers: { 'stripe-signature': overText }, secret, nowSeconds: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
  }
});
