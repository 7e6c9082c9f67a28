import { afterEach, describe, expect, test } from 'vitest';
import type { ProviderId } from '../../contracts/providers/index.js';
import { choicesFor } from '../../scenarios/explore/arbitrary.js';
import type { ExploredGuarantee } from '../../scenarios/explore/exclusions.js';
import { planListing } from '../../scenarios/explore/plan-listing.js';
import { faultsOf } from '../../scenarios/explore/plan-model.js';
import { undelivered } from '../../scenarios/explore/promise.js';
import type { Flaw } from '../fixtures/flawed-receiver.js';
import { deliveriesBeyondPromise, exploreSmall, flawedTarget } from './explore-support.js';

/**
 * Each planted bug of the flawed receiver that explore can express, the provider it shows on, and the guarantee its
 * root cause breaks (the re-serialized JSON bug shows on Stripe's pretty-printed bodies without any fault: every
 * genuine delivery is refused, the baseline's cause; elsewhere it needs a reformat). Gateways that are asked: PayPal
 * IPN's postback, Mollie's payments, PayPal REST's certificates, each served by the fake gateway.
 */
const planted: readonly { flaw: Flaw; provider: ProviderId; guarantee: ExploredGuarantee; runs?: number }[] = [
  { flaw: 'no-verification', provider: 'stripe', guarantee: 'auth.forged-rejected' },
  { flaw: 'fails-open-without-header', provider: 'stripe', guarantee: 'auth.forged-rejected' },
  { flaw: 'verifies-reserialized-json', provider: 'stripe', guarantee: 'baseline.applied' },
  { flaw: 'verifies-reserialized-json', provider: 'standard-webhooks', guarantee: 'compat.reformat' },
  { flaw: 'no-timestamp-tolerance', provider: 'stripe', guarantee: 'auth.replay-window' },
  { flaw: 'applies-every-delivery', provider: 'stripe', guarantee: 'idem.sequential' },
  { flaw: 'check-then-insert-race', provider: 'stripe', guarantee: 'idem.concurrent' },
  { flaw: 'dedupe-on-signature-header', provider: 'stripe', guarantee: 'idem.resigned' },
  { flaw: 'last-write-wins', provider: 'stripe', guarantee: 'order.final-state' },
  { flaw: 'no-amount-check', provider: 'stripe', guarantee: 'consistency.amount' },
  { flaw: 'first-signature-only', provider: 'stripe', guarantee: 'compat.rotation' },
  // A signed body that is not JSON is one malformed kind of nine: it takes more random plans to be drawn.
  { flaw: 'throws-on-bad-json', provider: 'stripe', guarantee: 'robust.bad-input', runs: 120 },
  { flaw: 'no-postback', provider: 'paypal-ipn', guarantee: 'auth.verified-postback' },
  { flaw: 'trusts-posted-fields', provider: 'mollie', guarantee: 'auth.forged-rejected' },
  { flaw: 'cert-url-any-host', provider: 'paypal-rest', guarantee: 'auth.forged-rejected' },
];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('explore against the flawed receiver', () => {
  test.each(planted)(
    'finds $flaw on $provider as $guarantee, shrunk to at most 3 deliveries besides the promised ones',
    async ({ flaw, provider, guarantee, runs }) => {
      const target = await flawedTarget(provider, flaw);
      closers.push(target.close);
      const result = await exploreSmall(target, { maxCauses: 1, ...(runs === undefined ? {} : { runs }) });
      expect(result.status).toBe('fail');
      const [cause] = result.causes;
      if (cause === undefined) throw new Error('no root cause');
      expect(cause.guarantee).toBe(guarantee);
      expect(cause.outcome.status).toBe('fail');
      // Every event of every order delivered at least once, and no more than 3 requests beyond that.
      expect(undelivered(cause.plan, choicesFor(target.options.provider))).toEqual([]);
      expect(deliveriesBeyondPromise(cause)).toBeLessThanOrEqual(3);
      expect(faultsOf(cause.plan)).toBeLessThanOrEqual(1);
      const listing = planListing(cause.outcome).join('\n');
      expect(listing).toContain(' 1. ');
      expect(listing).toContain('Problems:');
    },
  );

  test.each(['stripe', 'standard-webhooks', 'paypal-ipn', 'mollie', 'paypal-rest'] as const)(
    'finds nothing on the %s receiver without a flaw',
    async (provider) => {
      const target = await flawedTarget(provider, 'none');
      closers.push(target.close);
      const result = await exploreSmall(target, { runs: 30 });
      expect(result.causes.flatMap((c) => c.outcome.findings)).toEqual([]);
      expect(result.status).toBe('pass');
      expect(result.runs).toBe(30);
    },
  );
});
