import { Environment, Paddle } from '@paddle/paddle-node-sdk';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type PaymentStep, signedRequest } from '../../contracts/provider.js';
import { PADDLE_TOLERANCE_SECONDS, paddle } from '../../contracts/providers/paddle.js';
import { signingVectors } from '../../contracts/vectors.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/**
 * Cross-checks with @paddle/paddle-node-sdk: what our contract signs, `Webhooks.unmarshal` accepts (and parses into
 * the event it names); a tampered body is refused by both; the replay windows agree to the second. The SDK cannot
 * sign, so its side of the check is its own HMAC, rebuilt from its validator's rule, which our verifier accepts.
 */
const NOW = 1_700_000_000;
const kinds: readonly PaymentStep['kind'][] = ['pending', 'succeeded', 'failed'];
const secret = paddle.secret.generate(new Uint8Array(32).fill(3));
const oldSecret = paddle.secret.generate(new Uint8Array(32).fill(4));
// The documented entry point: the client sets up the Node runtime (its crypto) that the webhook validator uses.
const library = new Paddle('pdl_sdbx_apikey_01xcheck', { environment: Environment.sandbox }).webhooks;

function step(kind: PaymentStep['kind']): PaymentStep {
  return {
    kind,
    eventKey: `${kind}_xcheck`,
    orderId: 'ord_xcheck',
    paymentKey: 'pay_xcheck',
    amountMinor: 4999,
    currency: 'USD',
    createdAt: NOW - 60,
  };
}

function ours(kind: PaymentStep['kind'], secrets: string[], timestamp = NOW) {
  const { event, eventId } = paddle.buildEvent(step(kind));
  const body = paddle.encode(event);
  const request = signedRequest(paddle, { body, eventId, secrets, timestamp });
  return { eventId, body, text: fromUtf8(body), header: request.headers['paddle-signature'] ?? '' };
}

// The SDK reads the real clock (Date.now) for its 5 s window; pin Date to the time under test.
const pinDate = (seconds: number) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(seconds * 1000);
};
afterEach(() => {
  vi.useRealTimers();
});

describe('Paddle Billing (@paddle/paddle-node-sdk)', () => {
  test.each(kinds)('a %s event signed by our contract is accepted by Webhooks.unmarshal', async (kind) => {
    pinDate(NOW);
    const signed = ours(kind, [secret]);
    const event = await library.unmarshal(signed.text, secret, signed.header);
    expect(event.eventId).toBe(signed.eventId);
    expect(event.eventType).toBe(JSON.parse(signed.text).event_type);
    expect(event.data).toMatchObject({ customData: { order_id: 'ord_xcheck' } });
  });

  test('with two h1 signatures the SDK keeps only the last one; our contract accepts either order', async () => {
    pinDate(NOW);
    const newLast = ours('succeeded', [oldSecret, secret]);
    const newFirst = ours('succeeded', [secret, oldSecret]);
    expect(await library.isSignatureValid(newLast.text, secret, newLast.header)).toBe(true);
    expect(await library.isSignatureValid(newFirst.text, secret, newFirst.header)).toBe(false);
    for (const signed of [newLast, newFirst]) {
      const headers = { 'paddle-signature': signed.header };
      expect(paddle.verify({ body: signed.body, headers, secret, nowSeconds: NOW }).ok).toBe(true);
    }
  });

  test.each(signingVectors('paddle'))('the known-answer vector "$name" is accepted by the SDK', async (vector) => {
    pinDate(vector.timestamp);
    const key = vector.secrets.at(-1) ?? '';
    const header = vector.headers['paddle-signature'] ?? '';
    expect(await library.isSignatureValid(vector.body, key, header)).toBe(true);
  });

  test('a tampered body is refused by both', async () => {
    pinDate(NOW);
    const signed = ours('succeeded', [secret]);
    const tampered = fromUtf8(paddle.tamper?.(signed.body) ?? signed.body);
    expect(tampered).not.toBe(signed.text);
    await expect(library.unmarshal(tampered, secret, signed.header)).rejects.toThrow(/verification failed/);
    const headers = { 'paddle-signature': signed.header };
    expect(paddle.verify({ body: utf8(tampered), headers, secret, nowSeconds: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  test.each([
    { age: PADDLE_TOLERANCE_SECONDS, accepted: true },
    { age: PADDLE_TOLERANCE_SECONDS + 1, accepted: false },
    { age: -3600, accepted: true },
  ])('a delivery $age s old is accepted by both or by neither (accepted: $accepted)', async ({ age, accepted }) => {
    pinDate(NOW);
    const signed = ours('succeeded', [secret], NOW - age);
    const byLibrary = await library.isSignatureValid(signed.text, secret, signed.header);
    const headers = { 'paddle-signature': signed.header };
    const byContract = paddle.verify({ body: signed.body, headers, secret, nowSeconds: NOW }).ok;
    expect({ byLibrary, byContract }).toEqual({ byLibrary: accepted, byContract: accepted });
  });
});
