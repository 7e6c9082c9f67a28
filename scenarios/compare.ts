import { parseDecimal } from '../contracts/money.js';
import type { OrderView } from '../contracts/probe.js';

/** The ways an observed order differs from the expected one, as readable phrases; empty when they agree. */
export function orderDifferences(observed: OrderView | null, expected: OrderView): string[] {
  if (observed === null) return ['the probe does not know the order (404)'];
  const differences: string[] = [];
  if (observed.status !== expected.status)
    differences.push(`status is ${observed.status}, expected ${expected.status}`);
  if (observed.fulfillments !== expected.fulfillments) {
    differences.push(`fulfilled ${times(observed.fulfillments)}, expected ${times(expected.fulfillments)}`);
  }
  if (observed.refunds !== expected.refunds)
    differences.push(`${observed.refunds} refunds ran, expected ${expected.refunds}`);
  for (const field of ['amountPaid', 'amountRefunded'] as const) {
    const seen = parseDecimal(observed[field], expected.currency);
    const want = parseDecimal(expected[field], expected.currency);
    if (seen !== want) differences.push(`${field} is ${observed[field]}, expected ${expected[field]}`);
  }
  if (observed.currency.toUpperCase() !== expected.currency.toUpperCase()) {
    differences.push(`currency is ${observed.currency}, expected ${expected.currency}`);
  }
  return differences;
}

function times(count: number): string {
  return count === 0 ? 'never' : count === 1 ? 'once' : `${count} times`;
}
