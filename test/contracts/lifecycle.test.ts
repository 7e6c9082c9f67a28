import fc from 'fast-check';
import { expect, test } from 'vitest';
import { deriveOrderState, type LifecycleFact } from '../../contracts/lifecycle.js';

const terms = { orderId: 'ord_1', amountMinor: 10_000, currency: 'USD' };
const fact = (kind: LifecycleFact['kind'], at: number, extra: Partial<LifecycleFact> = {}): LifecycleFact => ({
  eventId: `evt_${kind}_${at}`,
  orderId: 'ord_1',
  kind,
  amountMinor: 10_000,
  currency: 'USD',
  occurredAt: at,
  ...extra,
});

const history: LifecycleFact[] = [
  fact('pending', 1),
  fact('failed', 2),
  fact('pending', 3),
  fact('succeeded', 4),
  fact('refunded', 5, { refund: { id: 're_1', cumulativeMinor: 2_500 } }),
  fact('refunded', 6, { refund: { id: 're_2', cumulativeMinor: 10_000 } }),
];

test('a full history ends refunded, fulfilled once, with one refund side effect per refund', () => {
  expect(deriveOrderState(terms, history)).toEqual({
    orderId: 'ord_1',
    status: 'refunded',
    currency: 'USD',
    amountPaidMinor: 10_000,
    amountRefundedMinor: 10_000,
    fulfillments: 1,
    refunds: 2,
  });
});

test('neither arrival order nor duplicates change the outcome (any permutation of any copies)', () => {
  const expected = deriveOrderState(terms, history);
  const arrivals = fc.array(fc.constantFrom(...history), { maxLength: 12 }).chain((copies) => {
    const all = [...history, ...copies];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });
  fc.assert(
    fc.property(arrivals, (arrived) => {
      expect(deriveOrderState(terms, arrived)).toEqual(expected);
    }),
    { seed: 20261121, numRuns: 200 },
  );
});

test('refunds reported by their own amounts add up; by cumulative totals the highest counts', () => {
  const paid = fact('succeeded', 1);
  const byAmount = [
    paid,
    fact('refunded', 2, { eventId: 'a', refund: { id: 'r1', amountMinor: 3_000 } }),
    fact('refunded', 3, { eventId: 'b', refund: { id: 'r2', amountMinor: 2_000 } }),
  ];
  expect(deriveOrderState(terms, byAmount)).toMatchObject({
    status: 'partially_refunded',
    amountRefundedMinor: 5_000,
    refunds: 2,
  });
  const byTotal = [
    paid,
    fact('refunded', 3, { eventId: 'b', refund: { id: 'r2', cumulativeMinor: 5_000 } }),
    fact('refunded', 2, { eventId: 'a', refund: { id: 'r1', cumulativeMinor: 3_000 } }),
  ];
  expect(deriveOrderState(terms, byTotal)).toMatchObject({ amountRefundedMinor: 5_000, refunds: 2 });
});

test('a stale pending never moves a paid order back; without a success the newest waiting event decides', () => {
  expect(deriveOrderState(terms, [fact('succeeded', 5), fact('pending', 9)]).status).toBe('paid');
  expect(deriveOrderState(terms, [fact('failed', 5), fact('pending', 2)]).status).toBe('failed');
  expect(deriveOrderState(terms, [fact('failed', 2), fact('pending', 5)]).status).toBe('pending');
  expect(deriveOrderState(terms, []).status).toBe('awaiting_payment');
});

test('a mismatched payment is flagged and never fulfilled', () => {
  const state = deriveOrderState(terms, [fact('succeeded', 1, { amountMinor: 9_999 })]);
  expect(state).toMatchObject({ status: 'flagged', fulfillments: 0, amountPaidMinor: 0 });
  expect(deriveOrderState(terms, [fact('succeeded', 1, { currency: 'EUR' })]).status).toBe('flagged');
});

test('a reversal makes a paid order reversed until a later cancellation; fulfilled once either way', () => {
  const reversed = [fact('succeeded', 1), fact('reversed', 2)];
  expect(deriveOrderState(terms, reversed)).toMatchObject({ status: 'reversed', fulfillments: 1 });
  expect(deriveOrderState(terms, [...reversed, fact('reversal_canceled', 3)]).status).toBe('paid');
  expect(deriveOrderState(terms, [fact('reversal_canceled', 3), ...reversed].reverse()).status).toBe('paid');
});

test('facts about other orders are ignored', () => {
  expect(deriveOrderState(terms, [fact('succeeded', 1, { orderId: 'ord_2' })]).status).toBe('awaiting_payment');
});
