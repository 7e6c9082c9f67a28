import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { deriveOrderState, type LifecycleFact, type OrderTerms } from '../../contracts/lifecycle.js';
import { modelOrderState } from '../support/lifecycle-model.js';

/**
 * `contracts/lifecycle.ts` against a second model written from the README's rule alone (test/support/lifecycle-model.ts):
 * random facts about one order, in random arrival order with duplicates, give the same expected state in both, and
 * neither depends on the arrival order.
 */

const ORDER = 'ord_model';
const RUNS = 3_000;
/** A narrow window of gateway times, so that ties are common. */
const LAST_SECOND = 6;

type Spec =
  | { readonly kind: 'pending' | 'failed' | 'reversed' | 'reversal_canceled'; readonly at: number }
  | {
      readonly kind: 'succeeded';
      readonly at: number;
      readonly pays: 'exactly' | 'in lower case' | 'less' | 'another currency';
    }
  | {
      readonly kind: 'refunded';
      readonly at: number;
      readonly refundId: string | null;
      /** Each as a fraction of the order's amount, in percent; null: not reported. */
      readonly ownPercent: number | null;
      readonly cumulativePercent: number | null;
    };

const termsArb: fc.Arbitrary<OrderTerms> = fc.record({
  orderId: fc.constant(ORDER),
  // A free order (0) too: nothing refunded is never "refunded in full".
  amountMinor: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 100_000 }), weight: 20 }, fc.constant(0)),
  currency: fc.constantFrom('USD', 'JPY', 'KWD'),
});

const at = fc.integer({ min: 0, max: LAST_SECOND });
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constantFrom('pending', 'failed', 'reversed', 'reversal_canceled'), at }),
  fc.record({
    kind: fc.constant('succeeded'),
    at,
    pays: fc.constantFrom('exactly', 'exactly', 'in lower case', 'less', 'another currency'),
  }),
  fc
    .record({
      kind: fc.constant('refunded'),
      at,
      // Few refund ids, so that two events often report the same refund (a null id: a refund event naming none).
      refundId: fc.option(fc.constantFrom('re_1', 're_2', 're_3'), { freq: 12 }),
      ownPercent: fc.option(fc.integer({ min: 1, max: 120 }), { freq: 3 }),
      cumulativePercent: fc.option(fc.integer({ min: 0, max: 130 }), { freq: 3 }),
    })
    // The schema wants at least one of a refund's own amount and the cumulative one.
    .filter((r) => r.ownPercent !== null || r.cumulativePercent !== null),
);

function toFact(spec: Spec, index: number, terms: OrderTerms): LifecycleFact {
  const base = {
    eventId: `evt_${index}`,
    orderId: ORDER,
    kind: spec.kind,
    amountMinor: terms.amountMinor,
    currency: terms.currency,
    occurredAt: 1_800_000_000 + spec.at,
  };
  if (spec.kind === 'succeeded') {
    if (spec.pays === 'in lower case') return { ...base, currency: terms.currency.toLowerCase() };
    if (spec.pays === 'less') return { ...base, amountMinor: terms.amountMinor - 1 };
    if (spec.pays === 'another currency') return { ...base, currency: terms.currency === 'EUR' ? 'USD' : 'EUR' };
    return base;
  }
  if (spec.kind !== 'refunded' || spec.refundId === null) return base;
  const part = (percent: number | null) =>
    percent === null ? undefined : Math.floor((terms.amountMinor * percent) / 100);
  const own = part(spec.ownPercent);
  const cumulative = part(spec.cumulativePercent);
  return {
    ...base,
    refund: {
      id: spec.refundId,
      ...(own === undefined || own <= 0 ? {} : { amountMinor: own }),
      ...(cumulative === undefined ? {} : { cumulativeMinor: cumulative }),
    },
  };
}

/** An order, the distinct events about it, and what arrives: every event at least once, some twice, in any order. */
const historyArb = termsArb.chain((terms) =>
  fc.array(specArb, { maxLength: 9 }).chain((specs) => {
    const facts = specs.map((spec, i) => toFact(spec, i, terms));
    const copies = facts.length === 0 ? fc.constant([]) : fc.array(fc.constantFrom(...facts), { maxLength: 4 });
    return copies.chain((extra) =>
      fc
        .tuple(anyOrder([...facts, ...extra]), anyOrder([...facts, ...extra]))
        .map(([arrival, otherArrival]) => ({ terms, facts, arrival, otherArrival })),
    );
  }),
);

function anyOrder<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...items], { minLength: items.length });
}

describe('the lifecycle rule, modelled twice', () => {
  test('both models give the same expected state for any set of facts in any arrival order', () => {
    fc.assert(
      fc.property(historyArb, ({ terms, arrival }) => {
        expect(deriveOrderState(terms, arrival)).toEqual(modelOrderState(terms, arrival));
      }),
      { numRuns: RUNS },
    );
  });

  test('neither model depends on the arrival order or on duplicates', () => {
    fc.assert(
      fc.property(historyArb, ({ terms, facts, arrival, otherArrival }) => {
        expect(deriveOrderState(terms, otherArrival)).toEqual(deriveOrderState(terms, arrival));
        expect(deriveOrderState(terms, arrival)).toEqual(deriveOrderState(terms, facts));
        expect(modelOrderState(terms, otherArrival)).toEqual(modelOrderState(terms, arrival));
        expect(modelOrderState(terms, arrival)).toEqual(modelOrderState(terms, facts));
      }),
      { numRuns: RUNS },
    );
  });

  const terms: OrderTerms = { orderId: ORDER, amountMinor: 10_000, currency: 'USD' };
  const fact = (eventId: string, kind: LifecycleFact['kind'], extra: Partial<LifecycleFact> = {}): LifecycleFact => ({
    eventId,
    orderId: ORDER,
    kind,
    amountMinor: 10_000,
    currency: 'USD',
    occurredAt: 1_800_000_000,
    ...extra,
  });
  const both = (facts: LifecycleFact[]) => [deriveOrderState(terms, facts), modelOrderState(terms, facts)];

  test('a refund reported by two events (its own amount in one, the running total in another) counts the same whichever arrives first', () => {
    // As Stripe reports two refunds: a charge.refunded after each (the charge's running total, naming the latest
    // refund) and a refund.created for the second (its own amount).
    const paid = fact('evt_paid', 'succeeded');
    const firstTotal = fact('evt_refunded_1', 'refunded', {
      occurredAt: 1_800_000_001,
      refund: { id: 're_1', cumulativeMinor: 2_500 },
    });
    const secondTotal = fact('evt_refunded_2', 'refunded', {
      occurredAt: 1_800_000_002,
      refund: { id: 're_2', cumulativeMinor: 4_000 },
    });
    const secondOwn = fact('evt_refund_created_2', 'refunded', {
      occurredAt: 1_800_000_002,
      refund: { id: 're_2', amountMinor: 1_500 },
    });
    const expected = expect.objectContaining({ status: 'partially_refunded', amountRefundedMinor: 4_000, refunds: 2 });
    expect(both([paid, firstTotal, secondTotal, secondOwn])).toEqual([expected, expected]);
    expect(both([paid, firstTotal, secondOwn, secondTotal])).toEqual([expected, expected]);
  });

  test('a success for another amount flags an order that an exact success paid, without taking back its fulfillment or refunds', () => {
    // Whichever of the two successes a receiver saw first, the exact one may already have been fulfilled and refunded.
    const exact = fact('evt_exact', 'succeeded');
    const short = fact('evt_short', 'succeeded', { amountMinor: 9_999 });
    const refund = fact('evt_refund', 'refunded', { refund: { id: 're_1', amountMinor: 1_000 } });
    const expected = {
      orderId: ORDER,
      status: 'flagged',
      currency: 'USD',
      amountPaidMinor: 10_000,
      amountRefundedMinor: 1_000,
      fulfillments: 1,
      refunds: 1,
    };
    expect(both([short, exact, refund])).toEqual([expected, expected]);
    // Without the exact success nothing was paid, so nothing is fulfilled or refunded.
    const unpaid = { ...expected, amountPaidMinor: 0, amountRefundedMinor: 0, fulfillments: 0, refunds: 0 };
    expect(both([short, refund])).toEqual([unpaid, unpaid]);
  });
});
