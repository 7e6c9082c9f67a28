import { describe, expect, test } from 'vitest';
import { decodeBody } from '../../contracts/decode.js';
import type { Provider } from '../../contracts/provider.js';
import { providers, standardWebhooks } from '../../contracts/providers/index.js';
import { GATEWAY_CERTIFICATE_PEM } from '../../contracts/providers/paypal-rest-certificates.js';
import { fromUtf8, type HeaderMap } from '../../contracts/wire.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { reformatNames, reformatsFor, reformatted, sendsJson } from '../../simulator/faults/reformat.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { createSigningContext, deliveryOf } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { canPlay, createWorld, type LifecycleKind } from '../../simulator/world.js';
import { eventBytes } from '../support/event-bytes.js';

const NOW = 1_800_000_000;
const lifecycles: readonly LifecycleKind[] = ['failed-then-paid', 'refunded-in-two-parts', 'reversal-canceled'];

function setup(provider: Provider, seed: number) {
  const random = createRandom(seed);
  const secret = provider.secret.generate(new Uint8Array(32).fill(5));
  // A postback provider's gateway marks its bodies (PayPal `verify_sign`); a signing one ignores the key.
  const gatewayKey = { ...(provider.postback ? { gatewayKey: gatewayKeyFromSeed(seed) } : {}) };
  const signing = createSigningContext({ provider, secret, random, nowSeconds: () => NOW, ...gatewayKey });
  const world = createWorld({ random: createRandom(seed + 1), runId: 'rf', startSeconds: NOW - 3600 });
  const events = lifecycles
    .filter((kind) => canPlay(provider, kind))
    .flatMap((kind) => eventsOf(provider, world.order(kind)));
  return { secret, signing, events };
}

/**
 * The body as a receiver reads it: the provider's own decoding (form bodies), UTF-8 JSON by default; for a fetch
 * provider (Mollie), the object fetched for the id it names.
 */
function decoded(provider: Provider, body: Uint8Array, headers: HeaderMap): unknown {
  const result = decodeBody(provider, eventBytes(provider, body), headers);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

/** Whether everything in `small` is in `big` with the same value (`big` may have more fields, at any level). */
function contains(big: unknown, small: unknown): boolean {
  if (Array.isArray(small)) {
    return Array.isArray(big) && big.length === small.length && small.every((item, i) => contains(big[i], item));
  }
  if (typeof small !== 'object' || small === null) return Object.is(big, small);
  if (typeof big !== 'object' || big === null || Array.isArray(big)) return false;
  return Object.entries(small).every(
    ([key, value]) => key in big && contains((big as Record<string, unknown>)[key], value),
  );
}

describe.each(Object.values(providers))('$title reformats', (provider) => {
  const { secret, signing, events } = setup(provider, 21);
  const cases = reformatNames(provider).flatMap((name) => events.map((event) => ({ name, event })));

  test.each(reformatNames(provider))('"%s" keeps every event verifiable, valid and the same fact', (name) => {
    const reformat = reformatsFor(provider)[name];
    for (const event of events) {
      const delivery = reformatted(signing, event, name);
      const sent = delivery.sign(NOW);
      expect(delivery.fault).toEqual({ kind: 'reformatted', detail: name });
      expect(delivery.expect).toBe('accept');
      const verdict = provider.verify({
        body: sent.request.body,
        headers: sent.request.headers,
        secret,
        nowSeconds: NOW,
        // The certificate a certificate scheme (PayPal REST) verifies with, as a receiver fetches it; others ignore it.
        certificate: GATEWAY_CERTIFICATE_PEM,
      });
      expect(verdict.ok).toBe(true);

      const plain = deliveryOf(signing, event).sign(NOW).request;
      const before = decoded(provider, plain.body, plain.headers);
      // A batch (Adyen) is judged by the part that carries this event, as a receiver splits it.
      const parts = provider.split?.(sent.request.body) ?? [sent.request.body];
      const ownPart = parts.find((part) => {
        const envelope = provider.envelopeSchema.safeParse(decoded(provider, part, sent.request.headers));
        return envelope.success && provider.eventId(envelope.data, sent.request.headers) === event.eventId;
      });
      const after = decoded(provider, ownPart ?? sent.request.body, sent.request.headers);
      switch (reformat?.keeps) {
        case 'json':
          expect(after).toEqual(before);
          break;
        case 'json-plus-fields':
          expect(contains(after, before)).toBe(true);
          expect(contains(before, after)).toBe(false);
          break;
        default:
          // A batch's own part is the event as it was; otherwise the shape itself differs, unless this body cannot
          // take the shape (then it travels as it is).
          if (parts.length === 1 && reformat?.canReshape?.(plain.body) !== false) expect(after).not.toEqual(before);
      }
      expect(provider.envelopeSchema.safeParse(after).success).toBe(true);
      const parsed = provider.eventSchema.safeParse(after);
      expect(parsed.success).toBe(true);
      if (parsed.success) expect(provider.toFact(parsed.data, event.eventId)).toEqual(event.fact);
    }
  });

  test.each(reformatNames(provider))('"%s" changes the bytes that travel', (name) => {
    const reformat = reformatsFor(provider)[name];
    for (const event of events) {
      const plain = deliveryOf(signing, event).sign(NOW).request;
      const delivery = reformatted(signing, event, name).sign(NOW).request;
      const reshapes = reformat?.body !== undefined && reformat.canReshape?.(plain.body) !== false;
      if (reshapes) expect(Buffer.from(delivery.body).equals(Buffer.from(plain.body))).toBe(false);
      else expect(Buffer.from(delivery.body)).toEqual(Buffer.from(plain.body));
      if (reformat?.headers) expect(delivery.headers).not.toEqual(plain.headers);
    }
    // A reformat that can reshape no event of the run would test nothing.
    if (reformat?.canReshape !== undefined) {
      const reshaped = events.filter((event) =>
        reformat.canReshape?.(deliveryOf(signing, event).sign(NOW).request.body),
      );
      expect(reshaped.length).toBeGreaterThan(0);
    }
  });

  test('the same seed gives the same bytes and headers for every reformat; another seed other choices', () => {
    const once = setup(provider, 21);
    const again = setup(provider, 21);
    const reseeded = createSigningContext({
      provider,
      secret,
      random: createRandom(99),
      nowSeconds: () => NOW,
      ...(provider.postback ? { gatewayKey: gatewayKeyFromSeed(21) } : {}),
    });
    let differing = 0;
    for (const [i, { name, event }] of cases.entries()) {
      const first = reformatted(once.signing, event, name).sign(NOW).request;
      const sameEvent = again.events[i % events.length] as GatewayEvent;
      const second = reformatted(again.signing, sameEvent, name).sign(NOW).request;
      expect(Buffer.from(second.body)).toEqual(Buffer.from(first.body));
      expect(second.headers).toEqual(first.headers);
      const elsewhere = reformatted(reseeded, event, name).sign(NOW).request;
      const sameHeaders = JSON.stringify(elsewhere.headers) === JSON.stringify(first.headers);
      if (!Buffer.from(elsewhere.body).equals(Buffer.from(first.body)) || !sameHeaders) differing += 1;
    }
    expect(differing).toBeGreaterThan(0);
  });
});

test('JSON reformats apply only to providers whose content type is JSON; header case applies to every provider', () => {
  const form = {
    ...standardWebhooks,
    baseHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
  } as Provider;
  expect(sendsJson(form)).toBe(false);
  expect(reformatNames(form)).toEqual(['header names in other letter case']);
  expect(sendsJson(standardWebhooks as Provider)).toBe(true);
  expect(reformatNames(standardWebhooks as Provider)).toContain('unknown fields added at every level');
});

test('a Stripe event rendered for an older API version carries the charges list that version had', () => {
  const { signing, events } = setup(providers.stripe, 4);
  const succeeded = events.find((e) => e.type === 'payment_intent.succeeded');
  if (succeeded === undefined) throw new Error('a paid lifecycle has a success');
  const name = reformatNames(providers.stripe).find((n) => n.startsWith('older API version'));
  if (name === undefined) throw new Error('Stripe has an older API version reformat');
  const body = JSON.parse(fromUtf8(reformatted(signing, succeeded, name).sign(NOW).request.body));
  expect(body.api_version).toBe('2022-08-01');
  expect(body.data.object.charges.data[0].id).toBe(body.data.object.latest_charge);
});

test('an unknown reformat name is refused with the known names', () => {
  const { signing, events } = setup(providers.stripe, 4);
  const event = events[0] as GatewayEvent;
  expect(() => reformatted(signing, event, 'upside down')).toThrow(/unknown reformat "upside down".*keys reordered/);
});

test('a JSON reformat refuses a body whose integers JSON.parse cannot keep exact, rather than change an id', () => {
  const reorder = reformatsFor(standardWebhooks as Provider)['keys reordered at every level'];
  const body = new TextEncoder().encode('{"id":12345678901234567890,"amount":1}');
  expect(() => reorder?.body?.(body, createRandom(1))).toThrow(/12345678901234567000.*2\^53/);
  const safe = reorder?.body?.(new TextEncoder().encode('{"id":9007199254740991,"amount":1}'), createRandom(1));
  expect(fromUtf8(safe ?? new Uint8Array())).toBe('{"amount":1,"id":9007199254740991}');
});
