import { describe, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { GATEWAY_CERTIFICATE_PEM } from '../../contracts/providers/paypal-rest-certificates.js';
import { eventsOf } from '../../simulator/events.js';
import { concurrentCopies, resignedCopy, sequentialCopies } from '../../simulator/faults/duplicate.js';
import { forgery, forgeryNames, replayed, replayOffsets, rotated } from '../../simulator/faults/forge.js';
import { newestFirst, shuffled } from '../../simulator/faults/reorder.js';
import { createSigningContext, type Delivery } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';

const NOW = 1_800_000_000;

// Signature faults; a postback provider's forgeries (PayPal IPN) are checked against the gateway in gateway.test.ts.
const signed = Object.values(providers).filter((provider) => provider.authentication === 'signature');

describe.each(signed)('$title faults', (provider) => {
  const random = createRandom(11);
  const secret = provider.secret.generate(random.bytes(32));
  const signing = createSigningContext({ provider, secret, random, nowSeconds: () => NOW });
  const world = createWorld({ random, runId: 'f', startSeconds: NOW - 3600 });
  const [first, second] = [world.order('paid'), world.order('paid')].map((o) => eventsOf(provider, o));
  const event = first?.at(-1);
  const other = second?.at(-1);
  if (event === undefined || other === undefined) throw new Error('paid orders have events');
  const verify = (d: Delivery) =>
    // The certificate a certificate scheme (PayPal REST) verifies with, as a receiver fetches it; others ignore it.
    provider.verify({
      body: d.sign(NOW).request.body,
      headers: d.sign(NOW).request.headers,
      secret,
      nowSeconds: NOW,
      certificate: GATEWAY_CERTIFICATE_PEM,
    });

  test('a genuine delivery verifies', () => {
    const genuine = sequentialCopies(signing, event, 1)[0]?.[0];
    if (genuine === undefined) throw new Error('one copy');
    // Schemes without a signed timestamp (Razorpay, Shopify, Square) have none to report.
    expect(verify(genuine)).toEqual(provider.tolerance === null ? { ok: true } : { ok: true, timestamp: NOW });
  });

  test.each(forgeryNames(provider))('the forgery "%s" fails verification and expects rejection', (name) => {
    const forged = forgery(signing, name, event, other);
    expect(forged.expect).toBe('reject');
    expect(forged.fault).toEqual({ kind: 'forged', detail: name });
    expect(verify(forged).ok).toBe(false);
  });

  test.each(replayOffsets(provider))('the replay "$name" is correctly signed but outside the tolerance', (offset) => {
    const delivery = replayed(signing, event, offset);
    const atItsOwnTime = provider.verify({
      body: delivery.sign(NOW).request.body,
      headers: delivery.sign(NOW).request.headers,
      secret,
      nowSeconds: NOW + offset.offsetSeconds,
    });
    expect(atItsOwnTime.ok).toBe(true);
    expect(verify(delivery)).toMatchObject({ ok: false });
  });

  // Only where one header can carry several signatures (compat.rotation applies to these alone).
  const rotations = provider.multipleSignatures ? (['first', 'last'] as const) : [];
  test.each(rotations)('a rotated header with the valid signature %s verifies', (valid) => {
    const delivery = rotated(signing, event, valid);
    expect(verify(delivery).ok).toBe(true);
    const withOnlyTheOld = provider.verify({
      body: delivery.sign(NOW).request.body,
      headers: delivery.sign(NOW).request.headers,
      secret: provider.secret.generate(new Uint8Array(32)),
      nowSeconds: NOW,
    });
    expect(withOnlyTheOld.ok).toBe(false);
  });

  test('duplicates keep the event identity; re-signed copies change the signature', () => {
    const concurrent = concurrentCopies(signing, event, 4);
    expect(concurrent).toHaveLength(1);
    expect(new Set(concurrent[0]?.map((d) => d.eventId))).toEqual(new Set([event.eventId]));
    const [original, copy] = resignedCopy(signing, event).map((step) => step[0]);
    if (original === undefined || copy === undefined) throw new Error('two steps');
    expect(copy.eventId).toBe(original.eventId);
    expect(copy.sign(NOW).request.body).toEqual(original.sign(NOW).request.body);
    const signatureOf = (d: Delivery) => provider.signatureHeaders.map((h) => d.sign(NOW).request.headers[h]).join();
    // A signature over the body alone (no timestamp) is the same on every copy; PayPal REST signs a transmission id
    // and time per delivery, though no tolerance is documented for them.
    const perDelivery = provider.tolerance !== null || provider.certificateUrlHeader !== undefined;
    expect(signatureOf(copy) !== signatureOf(original)).toBe(perDelivery);
    expect(verify(copy).ok && verify(original).ok).toBe(true);
  });

  // A receiver that deduplicates on the signature header fails idem.resigned alone, whichever second each copy leaves
  // in; copies later than half the tolerance are re-signed, so they are never refused as stale.
  test('sequential copies are byte-identical across a second, and signed anew once half the tolerance has passed', () => {
    const steps = sequentialCopies(signing, event, 3);
    const [first, second, third] = steps.map((step) => step[0]);
    if (first === undefined || second === undefined || third === undefined) throw new Error('three steps');
    expect(steps.map((step) => step.length)).toEqual([1, 1, 1]);
    expect(second.fault).toEqual({ kind: 'duplicate', detail: 'copy 2 of 3' });
    const sent = first.sign(NOW).request;
    expect(second.sign(NOW + 1).request).toEqual(sent);
    const past = provider.tolerance?.past;
    if (past === undefined) {
      expect(third.sign(NOW + 3600).request).toEqual(sent);
      return;
    }
    const late = NOW + Math.floor(past / 2) + 1;
    const resent = third.sign(late).request;
    expect(resent.headers).not.toEqual(sent.headers);
    expect(provider.verify({ body: resent.body, headers: resent.headers, secret, nowSeconds: late }).ok).toBe(true);
  });
});

test('reordering changes arrival order but never the set of events', () => {
  const random = createRandom(3);
  const world = createWorld({ random, runId: 'r', startSeconds: NOW });
  const events = eventsOf(providers.stripe, world.order('failed-then-paid'));
  const newest = newestFirst(events);
  expect(newest.map((e) => e.createdAt)).toEqual([...events.map((e) => e.createdAt)].sort((a, b) => b - a));
  const mixed = shuffled(events, random);
  expect(mixed).not.toEqual(events);
  expect(new Set(mixed)).toEqual(new Set(events));
});
