import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { providerIds, providers } from '../../contracts/providers/index.js';
import { choicesFor, planArbitrary } from '../../scenarios/explore/arbitrary.js';
import {
  noExclusions,
  parseExclusions,
  resolveExclusions,
  searchSeed,
  withoutPlanFaults,
} from '../../scenarios/explore/exclusions.js';
import type { ExplorePlan } from '../../scenarios/explore/plan-model.js';
import { eventOf, keepPromise, undelivered } from '../../scenarios/explore/promise.js';
import { simplerPlans } from '../../scenarios/explore/simplify.js';

const stripe = providers.stripe;

describe("the gateway's promise: every event of every order delivered at least once", () => {
  test('the plan of issue 10 (a refund delivered alone) gets the payment it refunds, where its seed puts it', () => {
    const refundAlone: ExplorePlan = {
      worldSeed: 3,
      orders: ['partially-refunded'],
      ops: [{ op: 'deliver', order: 0, event: 1 }],
    };
    const kept = keepPromise(refundAlone, choicesFor(stripe));
    expect(kept.ops).toHaveLength(2);
    expect(kept.ops).toContainEqual({ op: 'deliver', order: 0, event: 0 });
    expect(undelivered(kept, choicesFor(stripe))).toEqual([]);
    expect(keepPromise(refundAlone, choicesFor(stripe))).toEqual(kept);
  });

  test('a forgery, a replay or a malformed request does not deliver its event; a re-signed or reformatted copy does', () => {
    const plan: ExplorePlan = {
      worldSeed: 1,
      orders: ['paid'],
      ops: [
        { op: 'forged', order: 0, event: 1, name: 'no signature header' },
        { op: 'replayed', order: 0, event: 1, name: 'timestamp 420s old' },
        { op: 'malformed', order: 0, event: 1, kind: 'not JSON', draw: 1 },
        { op: 'resigned', order: 0, event: 0, earlierBySeconds: 5 },
      ],
    };
    expect(undelivered(plan, choicesFor(stripe))).toEqual([{ order: 0, event: 1 }]);
    const reformat = choicesFor(stripe).reformats[0] ?? '';
    const reformatted = {
      ...plan,
      ops: [...plan.ops, { op: 'reformatted' as const, order: 0, event: 1, name: reformat }],
    };
    expect(undelivered(reformatted, choicesFor(stripe))).toEqual([]);
  });

  test.each(providerIds)('every plan generated for %s keeps the promise (200 samples)', (id) => {
    const provider = providers[id];
    for (const plan of fc.sample(planArbitrary(provider), { numRuns: 200, seed: 11 })) {
      expect(undelivered(plan, choicesFor(provider))).toEqual([]);
    }
  });

  test('simplification never removes the last delivery of an event, and every variant is smaller', () => {
    const choices = choicesFor(stripe);
    for (const plan of fc.sample(planArbitrary(stripe), { numRuns: 100, seed: 5 })) {
      for (const simpler of simplerPlans(plan, { choices, excluded: noExclusions })) {
        expect(undelivered(simpler, choices)).toEqual([]);
        expect(JSON.stringify(simpler)).not.toBe(JSON.stringify(plan));
      }
    }
  });
});

describe('exclusions', () => {
  test('names are checked against the faults and guarantees explore knows', () => {
    expect(parseExclusions('forged, idem.concurrent')).toEqual(['forged', 'idem.concurrent']);
    expect(() => parseExclusions('forged,auth.crc-not-an-oracle')).toThrow(
      /--exclude names "auth.crc-not-an-oracle", which explore does not know/,
    );
  });

  test('a guarantee brings those built on it, and all their faults', () => {
    const excluded = resolveExclusions(['idem.sequential']);
    expect([...excluded.guarantees].sort()).toEqual([
      'idem.concurrent',
      'idem.resigned',
      'idem.sequential',
      'robust.bad-input',
    ]);
    expect([...excluded.faults].sort()).toEqual(['concurrent', 'duplicate', 'malformed', 'resigned']);
    expect([...resolveExclusions(['consistency.amount']).lifecycles].sort()).toEqual([
      'mismatched-amount',
      'mismatched-amount-directly',
      'mismatched-currency',
    ]);
  });

  test('excluded kinds of operation are never generated, and the seed depends on what is excluded', () => {
    const excluded = resolveExclusions(['forged', 'auth.replay-window', 'consistency.amount']);
    for (const plan of fc.sample(planArbitrary(stripe, undefined, excluded), { numRuns: 200, seed: 3 })) {
      expect(plan.ops.filter((op) => op.op === 'forged' || op.op === 'replayed')).toEqual([]);
      expect(plan.orders.filter((kind) => kind.startsWith('mismatched'))).toEqual([]);
    }
    expect(searchSeed(7, noExclusions)).toBe(7);
    expect(searchSeed(7, excluded)).not.toBe(searchSeed(7, resolveExclusions(['forged'])));
  });

  test('without duplicates and reorderings, each event is delivered plainly once and each order in its order', () => {
    const excluded = resolveExclusions(['duplicate', 'reordered']);
    const choices = choicesFor(stripe, excluded);
    for (const plan of fc.sample(planArbitrary(stripe, undefined, excluded), { numRuns: 200, seed: 9 })) {
      const plain = plan.ops.filter((op) => op.op === 'deliver').map((op) => JSON.stringify(eventOf(op, plan, stripe)));
      expect(new Set(plain).size).toBe(plain.length);
      for (const order of plan.orders.keys()) {
        const events = plan.ops
          .filter((op) => op.op !== 'pause' && op.op !== 'forged' && op.op !== 'replayed' && op.op !== 'malformed')
          .map((op) => eventOf(op, plan, stripe))
          .filter((at) => at?.order === order)
          .map((at) => at?.event ?? 0);
        expect(events).toEqual([...events].sort((a, b) => a - b));
      }
      expect(withoutPlanFaults(plan, excluded, choices)).toEqual(plan);
    }
  });
});
