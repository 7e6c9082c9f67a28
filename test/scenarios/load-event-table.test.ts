import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleFact, OrderTerms } from '../../contracts/lifecycle.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { EventTable } from '../../scenarios/load/event-table.js';
import { PagedColumn, StringColumn } from '../../scenarios/load/growable.js';

const key = fc.stringMatching(/^[a-z0-9]{1,12}$/);
const currency = fc.constantFrom('EUR', 'USD', 'JPY', 'GBP');
const kind = fc.constantFrom('pending', 'succeeded', 'failed', 'refunded', 'reversed', 'reversal_canceled' as const);

/** An event as a plan adds it: the step it was built from, and its fact (mostly the step's, sometimes its own). */
const event = fc
  .record({
    kind,
    eventKey: key,
    paymentKey: key,
    amountMinor: fc.integer({ min: 1, max: 2_000_000_000 }),
    currency,
    createdAt: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
    refund: fc.option(
      fc.record({
        key,
        amountMinor: fc.integer({ min: 1, max: 9999 }),
        cumulativeMinor: fc.integer({ min: 1, max: 99999 }),
      }),
      { nil: undefined },
    ),
    payee: fc.option(fc.constantFrom('shop@example.com', 'other@example.com'), { nil: undefined }),
    idForm: fc.constantFrom('evt_%', 'msg_%_v1', '%', 'whole'),
    wholeId: fc.stringMatching(/^[A-Za-z0-9_ä-]{1,40}$/),
    own: fc.option(fc.record({ kind, amountMinor: fc.integer({ min: 0, max: 10_000 }), currency }), { nil: undefined }),
    factRefund: fc.option(
      fc.record({
        id: key,
        amountMinor: fc.option(fc.integer({ min: 1, max: 9999 }), { nil: undefined }),
        cumulativeMinor: fc.option(fc.integer({ min: 0, max: 99999 }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  })
  .map((e) => {
    const drop = <T extends object>(value: T) =>
      Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
    return {
      step: drop({
        kind: e.kind,
        eventKey: e.eventKey,
        paymentKey: e.paymentKey,
        amountMinor: e.amountMinor,
        currency: e.currency,
        createdAt: e.createdAt,
        refund: e.refund,
        payee: e.payee,
      }),
      fact: (orderId: string): LifecycleFact =>
        drop({
          eventId: e.idForm === 'whole' ? e.wholeId : e.idForm.replace('%', e.eventKey),
          orderId,
          kind: e.own?.kind ?? e.kind,
          amountMinor: e.own?.amountMinor ?? e.amountMinor,
          currency: e.own?.currency ?? e.currency,
          occurredAt: e.createdAt,
          refund: e.factRefund === undefined ? undefined : drop(e.factRefund),
        }),
    };
  });

const order = fc.record({
  orderId: fc.stringMatching(/^ord_[a-z0-9]{1,16}$/),
  amountMinor: fc.integer({ min: 1, max: 2_000_000_000 }),
  currency,
  events: fc.array(event, { maxLength: 6 }),
});

describe('the load plan’s event table', () => {
  it('gives back every order’s terms and every event’s fact, step and id as they were added', () => {
    fc.assert(
      fc.property(fc.array(order, { maxLength: 40 }), (orders) => {
        const table = new EventTable();
        const added: { terms: OrderTerms; facts: LifecycleFact[]; steps: PaymentStep[] }[] = [];
        for (const o of orders) {
          const terms = { orderId: o.orderId, amountMinor: o.amountMinor, currency: o.currency };
          const steps = o.events.map((e) => ({ ...e.step, orderId: o.orderId }) as PaymentStep);
          const facts = o.events.map((e) => e.fact(o.orderId));
          table.addOrder(terms, facts, steps);
          added.push({ terms, facts, steps });
        }
        expect(table.orders).toBe(orders.length);
        let event = 0;
        for (const [number, { terms, facts, steps }] of added.entries()) {
          expect(table.terms(number)).toEqual(terms);
          expect(table.eventsOf(number)).toHaveLength(facts.length);
          for (const [i, fact] of facts.entries()) {
            expect(table.orderOf(event)).toBe(number);
            expect(table.fact(event)).toEqual(fact);
            expect(table.eventId(event)).toBe(fact.eventId);
            expect(table.step(event)).toEqual(steps[i]);
            event += 1;
          }
          const last = facts.length === 0 ? -1 : event - 1;
          expect(table.someEventOf(number, (e) => e === last)).toBe(facts.length > 0);
        }
        expect(table.events).toBe(event);
      }),
      { seed: 14, numRuns: 150 },
    );
  });

  it('keeps a table whose facts repeat their steps (Stripe’s shape) under 80 bytes an event', () => {
    const table = new EventTable();
    const orders = 100_000;
    for (let n = 0; n < orders; n += 1) {
      const orderId = `ord_${n.toString(36).padStart(8, '0')}`;
      const steps: PaymentStep[] = ['pending', 'succeeded'].map((k, i) => ({
        kind: k as PaymentStep['kind'],
        eventKey: `${n.toString(36)}x${i}a8f3k2`,
        orderId,
        paymentKey: `pay${n.toString(36)}q7`,
        amountMinor: 1000 + n,
        currency: 'EUR',
        createdAt: 1_700_000_000 + n,
      }));
      const facts = steps.map((s) => ({
        eventId: `evt_${s.eventKey}`,
        orderId,
        kind: s.kind,
        amountMinor: s.amountMinor,
        currency: s.currency,
        occurredAt: s.createdAt,
      }));
      table.addOrder({ orderId, amountMinor: 1000 + n, currency: 'EUR' }, facts, steps);
    }
    expect(table.events).toBe(2 * orders);
    expect(table.eventId(2 * orders - 1)).toBe(`evt_${(orders - 1).toString(36)}x1a8f3k2`);
    expect(table.bytes / table.events).toBeLessThan(80);
  });
});

describe('the load plan’s paged columns', () => {
  it('give back numbers across pages and find the last entry at most a value', () => {
    const column = new PagedColumn(Uint32Array);
    for (let i = 0; i < 40_000; i += 1) column.push(i * 3);
    expect(column.length).toBe(40_000);
    expect(column.get(16_384)).toBe(16_384 * 3);
    expect(column.get(40_000)).toBe(0);
    expect(column.floor(3 * 20_000 + 2)).toBe(20_000);
    expect(column.floor(-1)).toBe(-1);
  });

  it('give back strings, multi-byte ones too, where an entry would straddle two pages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 60 }),
        (words) => {
          const column = new StringColumn();
          const values: string[] = [];
          // Enough entries to fill several 256 KiB pages.
          for (let round = 0; values.length < 30_000; round += 1) {
            for (const word of words) {
              const value = `${word}${round}`.repeat(1 + (round % 7));
              values.push(value);
              column.push(value);
            }
          }
          for (const [i, value] of values.entries()) if (column.get(i) !== value) expect(column.get(i)).toBe(value);
        },
      ),
      { seed: 14, numRuns: 8 },
    );
  });
});
