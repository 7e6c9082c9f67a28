import { describe, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { fromUtf8 } from '../../contracts/wire.js';
import { eventsOf } from '../../simulator/events.js';
import { malformationKinds, malformedDeliveries } from '../../simulator/faults/malformed.js';
import { createSigningContext, type Delivery } from '../../simulator/plan.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';

const NOW = 1_800_000_000;

describe.each(Object.values(providers))('$title malformed deliveries', (provider) => {
  function draw(seed: number): Delivery[] {
    const random = createRandom(5);
    const secret = provider.secret.generate(random.bytes(32));
    const signing = createSigningContext({ provider, secret, random, nowSeconds: () => NOW });
    const world = createWorld({ random, runId: 'm', startSeconds: NOW - 3600 });
    return malformedDeliveries(signing, eventsOf(provider, world.order('paid')), seed, 3);
  }
  const deliveries = draw(42);
  const detail = (d: Delivery) => d.fault?.detail ?? '';

  test('every kind is drawn, each expecting the receiver to survive it', () => {
    for (const d of deliveries) {
      expect(d.expect).toBe('survive');
      expect(d.fault?.kind).toBe('malformed');
    }
    const kinds = new Set(deliveries.map((d) => detail(d).split(':')[0]));
    expect([...kinds].sort()).toEqual([...malformationKinds].sort());
  });

  test('the same seed draws the same bytes; another seed draws others', () => {
    const again = draw(42);
    expect(again.map((d) => Buffer.from(d.sign(NOW).request.body).toString('base64'))).toEqual(
      deliveries.map((d) => Buffer.from(d.sign(NOW).request.body).toString('base64')),
    );
    expect(draw(43).map(detail)).not.toEqual(deliveries.map(detail));
  });

  test('unsigned ones carry no signature header; a header sent twice is listed twice', () => {
    const names = provider.signatureHeaders.map((n) => n.toLowerCase());
    for (const d of deliveries.filter((d) => detail(d).endsWith(', unsigned'))) {
      expect(d.sign(NOW).rawHeaders?.some(([name]) => names.includes(name))).toBe(false);
    }
    const twice = deliveries.find((d) => detail(d).startsWith('header sent twice'));
    if (names.length > 0) {
      expect(twice?.sign(NOW).rawHeaders?.filter(([name]) => name === names[0]).length).toBe(2);
    }
  });

  test('bodies are what they claim: invalid UTF-8 does not decode, deep nesting is deep', () => {
    const invalid = deliveries.filter((d) => detail(d).startsWith('invalid UTF-8'));
    for (const d of invalid)
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(d.sign(NOW).request.body)).toThrow();
    const deep = deliveries.find((d) => detail(d).startsWith('deep nesting'));
    expect(fromUtf8(deep?.sign(NOW).request.body ?? new Uint8Array()).split('[').length).toBeGreaterThan(5_000);
  });
});
