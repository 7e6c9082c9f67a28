import { expect, test } from 'vitest';
import { checkFindings } from '../../scenarios/load/check-findings.js';
import type { LoadCheck } from '../../scenarios/load/report.js';

const none = { count: 0, orders: [] };
const passed: LoadCheck = {
  status: 'pass',
  reason: null,
  ordersCreated: 10,
  ordersChecked: 10,
  lost: { count: 0, events: [] },
  appliedTwice: none,
  amountMismatch: none,
  outOfOrder: none,
  forgedAccepted: { count: 0, deliveries: [] },
  unexplained: none,
};

test('a passed check has nothing to say', () => {
  expect(checkFindings(passed)).toEqual([]);
});

test('a failed check says each kind it found, with its count and the first items', () => {
  const failed: LoadCheck = {
    ...passed,
    status: 'fail',
    reason: '1 event lost, 4 orders applied twice',
    lost: { count: 1, events: [{ eventId: 'evt_1', orderId: 'ord_1', kind: 'succeeded', problem: 'not applied' }] },
    appliedTwice: {
      count: 4,
      orders: ['a', 'b', 'c', 'd'].map((id) => ({ orderId: `ord_${id}`, problem: 'fulfilled 2 times' })),
    },
  };
  expect(checkFindings(failed, 2)).toEqual([
    '1 event lost, 4 orders applied twice',
    'lost 1: evt_1 (ord_1, succeeded): not applied',
    'applied twice 4: ord_a: fulfilled 2 times; ord_b: fulfilled 2 times, … (4 in all)',
  ]);
});
