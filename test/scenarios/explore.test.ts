import { afterEach, describe, expect, test } from 'vitest';
import type { ProviderId } from '../../contracts/providers/index.js';
import { planListing } from '../../scenarios/explore/plan-listing.js';
import { faultsOf, requestsOf } from '../../scenarios/explore/plan-model.js';
import type { Flaw } from '../fixtures/flawed-receiver.js';
import { exploreSmall, flawedTarget } from './explore-support.js';

/**
 * Each planted bug of the flawed receiver that explore can express, and the providers it shows on (the bug in the
 * re-serialized JSON shows on Stripe's pretty-printed bodies without any fault; elsewhere it needs a reformat).
 */
const planted: readonly { flaw: Flaw; providers: readonly ProviderId[] }[] = [
  { flaw: 'no-verification', providers: ['stripe'] },
  { flaw: 'fails-open-without-header', providers: ['stripe'] },
  { flaw: 'verifies-reserialized-json', providers: ['stripe', 'standard-webhooks'] },
  { flaw: 'no-timestamp-tolerance', providers: ['stripe'] },
  { flaw: 'applies-every-delivery', providers: ['stripe'] },
  { flaw: 'check-then-insert-race', providers: ['stripe'] },
  { flaw: 'dedupe-on-signature-header', providers: ['stripe'] },
  { flaw: 'last-write-wins', providers: ['stripe'] },
  { flaw: 'no-amount-check', providers: ['stripe'] },
  { flaw: 'first-signature-only', providers: ['stripe'] },
  { flaw: 'throws-on-bad-json', providers: ['stripe'] },
];

const cases = planted.flatMap(({ flaw, providers }) => providers.map((provider) => ({ flaw, provider })));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('explore against the flawed receiver', () => {
  test.each(cases)('finds $flaw on $provider and shrinks it to at most 3 deliveries', async ({ flaw, provider }) => {
    const target = await flawedTarget(provider, flaw);
    closers.push(target.close);
    // A signed body that is not JSON is one malformed kind of nine: it takes more random plans to be drawn.
    const result = await exploreSmall(target, flaw === 'throws-on-bad-json' ? { runs: 120 } : {});
    expect(result.status).toBe('fail');
    const failure = result.failure;
    if (failure === null) throw new Error('no failure');
    const deliveries = failure.plan.ops.reduce((sum, op) => sum + requestsOf(op), 0);
    expect(deliveries).toBeLessThanOrEqual(3);
    expect(deliveries).toBeGreaterThan(0);
    expect(failure.outcome.status).toBe('fail');
    expect(faultsOf(failure.plan)).toBeLessThanOrEqual(1);
    const listing = planListing(failure.outcome).join('\n');
    expect(listing).toContain(' 1. ');
    expect(listing).toContain('Problems:');
  });

  test.each(['stripe', 'standard-webhooks'] as const)(
    'finds nothing on the %s receiver without a flaw',
    async (provider) => {
      const target = await flawedTarget(provider, 'none');
      closers.push(target.close);
      const result = await exploreSmall(target, { runs: 30 });
      expect(result.failure?.outcome.findings ?? []).toEqual([]);
      expect(result.status).toBe('pass');
      expect(result.runs).toBe(30);
    },
  );
});
