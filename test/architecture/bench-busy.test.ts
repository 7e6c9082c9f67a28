import { expect, test } from 'vitest';
import { busyReason } from '../../bench/support.js';

test('a benchmark on a busy machine reports why it measured nothing, unless forced', () => {
  expect(busyReason([0.4, 1, 1], 2, false)).toBeNull();
  expect(busyReason([1.0, 1, 1], 2, false)).toBeNull();
  expect(busyReason([3.2, 1, 1], 2, false)).toMatch(/busy \(load average 3\.2 on 2 cores at the start\).*--force/);
  expect(busyReason([3.2, 1, 1], 2, true)).toBeNull();
});
