import { describe, expect, test } from 'vitest';
import type { PaymentStep } from '../../contracts/provider.js';
import { crcResponse, x, xSignature } from '../../contracts/providers/x.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';

/** X's sample gist values (docs/providers.md §7.2 [X-gist]) and the answer docs/providers.md computed for them [calc]. */
const GIST_SECRET = 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu';
const GIST_TOKEN = '9b4507b3-9040-4669-9ca3-6b94edb50553';
const NOW = 1_700_000_000;

function step(kind: PaymentStep['kind'], extra: Partial<PaymentStep> = {}): PaymentStep {
  return {
    kind,
    eventKey: `${kind}_1`,
    orderId: 'ord_x',
    paymentKey: 'pay_1',
    amountMinor: 4999,
    currency: 'USD',
    createdAt: NOW,
    ...extra,
  };
}

describe('X CRC challenge', () => {
  test("the answer for X's sample token is the one docs/providers.md computed", () => {
    expect(x.challenge?.respond(GIST_TOKEN, GIST_SECRET)).toEqual({
      response_token: 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=',
    });
  });

  test('the CRC answer for a token is the POST signature of a body equal to it: why tokens must be limited', () => {
    const body = fromUtf8(x.encode(x.buildEvent(step('succeeded')).event));
    const answer = crcResponse(body, GIST_SECRET).response_token;
    const headers = { 'x-twitter-webhooks-signature': answer };
    expect(x.verify({ body: utf8(body), headers, secret: GIST_SECRET, nowSeconds: NOW })).toEqual({ ok: true });
    // So the receiver refuses to answer that token.
    expect(x.challenge?.tokenProblem(body)).toMatch(/opaque token/);
  });

  test.each([GIST_TOKEN, 'T3BhcXVlK3Rva2VuLw==', 'base64url_token-0'])('the opaque token %s is answered', (token) => {
    expect(x.challenge?.tokenProblem(token)).toBeNull();
  });

  test.each([
    ['empty', ''],
    ['JSON', '{"for_user_id":"1"}'],
    ['with a space', 'abc def'],
    ['longer than 256', 'a'.repeat(257)],
  ])('a %s token is refused', (_name, token) => {
    expect(x.challenge?.tokenProblem(token)).not.toBeNull();
  });
});

describe('X payment messages', () => {
  test.each(['pending', 'succeeded', 'failed'] as const)('a %s message reads back as its fact', (kind) => {
    const { event, eventId } = x.buildEvent(step(kind));
    const parsed = x.eventSchema.parse(JSON.parse(fromUtf8(x.encode(event))));
    expect(x.eventId(parsed, {})).toBe(eventId);
    expect(x.toFact(parsed, eventId)).toEqual({
      eventId,
      orderId: 'ord_x',
      kind,
      amountMinor: 4999,
      currency: 'USD',
      occurredAt: NOW,
    });
  });

  test('a refund carries its own id and amount', () => {
    const refund = { key: 'rf_1', amountMinor: 1000, cumulativeMinor: 1000 };
    const { event, eventId } = x.buildEvent(step('refunded', { refund }));
    const fact = x.toFact(x.eventSchema.parse(JSON.parse(fromUtf8(x.encode(event)))), eventId);
    expect(fact).toMatchObject({ kind: 'refunded', amountMinor: 1000, refund: { amountMinor: 1000 } });
  });

  test('a direct message without payment metadata moves no order', () => {
    const { event, eventId } = x.buildEvent(step('succeeded'));
    const [dm] = event.direct_message_events;
    const plain = {
      ...event,
      direct_message_events: [
        { ...dm, message_create: { ...dm.message_create, message_data: { text: 'hello' } } },
      ] as typeof event.direct_message_events,
    };
    expect(x.toFact(plain, eventId)).toBeNull();
  });

  test('the signature is sha256= and base64, over the raw body', () => {
    const body = utf8('{"for_user_id":"1"}');
    const [header] = Object.values(x.sign({ body, secrets: [GIST_SECRET], timestamp: NOW, eventId: 'e' }));
    expect(header).toBe(xSignature(GIST_SECRET, body));
    expect(header).toMatch(/^sha256=[A-Za-z0-9+/]{43}=$/);
  });
});
