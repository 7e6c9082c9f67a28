import '@shopify/shopify-api/adapters/web-api';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { describe, expect, test } from 'vitest';
import { type PaymentStep, signedRequest } from '../../contracts/provider.js';
import { shopify } from '../../contracts/providers/shopify.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with @shopify/shopify-api: what our contract signs (with every header Shopify sends),
 * `shopify.webhooks.validate` accepts and reads the same topic, shop, webhook id and event id from; what the library's
 * own test helper signs (`getHmac`), our verifier accepts; a tampered or re-serialized body is refused by both. The
 * library needs an app config but no network: a minimal one with the client secret, offline.
 */
const NOW = 1_700_000_000;
const kinds: readonly PaymentStep['kind'][] = ['pending', 'succeeded', 'failed'];
const secret = shopify.secret.generate(new Uint8Array(32).fill(3));

const library = (apiSecretKey: string) =>
  shopifyApi({
    apiKey: 'ipn-gauntlet-xcheck',
    apiSecretKey,
    apiVersion: ApiVersion.January26,
    hostName: 'app.example.com',
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => {} },
  });

function ours(kind: PaymentStep['kind']) {
  const { event, eventId } = shopify.buildEvent({
    kind,
    eventKey: `${kind}_xcheck`,
    orderId: 'ord_xcheck',
    paymentKey: 'pay_xcheck',
    amountMinor: 4999,
    currency: 'USD',
    createdAt: NOW - 60,
  });
  const body = shopify.encode(event);
  const request = signedRequest(shopify, { body, eventId, deliveryId: 'dlv_1', secrets: [secret], timestamp: NOW });
  return { eventId, body, text: fromUtf8(body), headers: request.headers };
}

async function validate(key: string, rawBody: string, headers: Readonly<Record<string, string>>) {
  const rawRequest = new Request('https://app.example.com/webhooks/shopify', {
    method: 'POST',
    headers,
    body: rawBody,
  });
  return library(key).webhooks.validate({ rawBody, rawRequest });
}

describe('Shopify (@shopify/shopify-api)', () => {
  test.each(kinds)('a %s order signed by our contract is valid for webhooks.validate', async (kind) => {
    const signed = ours(kind);
    const result = await validate(secret, signed.text, signed.headers);
    expect(result).toMatchObject({
      valid: true,
      topic: { pending: 'ORDERS_CREATE', succeeded: 'ORDERS_PAID', failed: 'ORDERS_CANCELLED' }[kind as string],
      domain: signed.headers['x-shopify-shop-domain'],
      webhookId: signed.headers['x-shopify-webhook-id'],
      eventId: signed.eventId,
    });
  });

  test.each(signingVectors('shopify'))('the known-answer vector "$name" is valid for the library', async (vector) => {
    const key = vector.secrets.at(-1) ?? '';
    const headers = { ...shopify.baseHeaders, ...vector.headers };
    expect(await validate(key, vector.body, headers)).toMatchObject({ valid: true });
  });

  test("a signature made by the library's getHmac verifies with our contract", () => {
    const { text } = ours('succeeded');
    const headers = { 'x-shopify-hmac-sha256': getHmac(text, secret) };
    expect(shopify.verify({ body: utf8(text), headers, secret, nowSeconds: NOW })).toEqual({ ok: true });
  });

  test('a tampered or re-serialized body is refused by both', async () => {
    const signed = ours('succeeded');
    const reserialized = JSON.stringify(JSON.parse(signed.text));
    expect(reserialized).not.toBe(signed.text);
    for (const body of [fromUtf8(shopify.tamper?.(signed.body) ?? signed.body), reserialized]) {
      expect(body).not.toBe(signed.text);
      expect(await validate(secret, body, signed.headers)).toMatchObject({ valid: false, reason: 'invalid_hmac' });
      expect(shopify.verify({ body: utf8(body), headers: signed.headers, secret, nowSeconds: NOW })).toMatchObject({
        ok: false,
        reason: 'no_matching_signature',
      });
    }
  });

  test('a hex digest (the OAuth encoding) is refused by both', async () => {
    const signed = ours('succeeded');
    const hex = shopify.malformations['hex instead of base64']?.(signed.headers) ?? signed.headers;
    expect(await validate(secret, signed.text, hex)).toMatchObject({ valid: false });
    expect(shopify.verify({ body: signed.body, headers: hex, secret, nowSeconds: NOW }).ok).toBe(false);
  });
});
