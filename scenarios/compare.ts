import { parseDecimal } from '../contracts/money.js';
import type { OrderView } from '../contracts/probe.js';
import type { FieldDifference } from './verdict.js';

const compared = ['status', 'fulfillments', 'refunds', 'amountPaid', 'amountRefunded', 'currency'] as const;
type ComparedField = (typeof compared)[number];

/** Whether two values of a field mean the same: amounts as numbers in the order's currency, currencies in any case. */
function same(field: ComparedField, observed: OrderView, expected: OrderView): boolean {
  if (field === 'amountPaid' || field === 'amountRefunded') {
    return parseDecimal(observed[field], expected.currency) === parseDecimal(expected[field], expected.currency);
  }
  if (field === 'currency') return observed.currency.toUpperCase() === expected.currency.toUpperCase();
  return observed[field] === expected[field];
}

/**
 * Field by field, where the observed order differs from the expected one (with the twin's value of each field, when
 * the comparison has a twin); an unknown order (404) is one difference of the field `order`.
 */
export function fieldDifferences(
  observed: OrderView | null,
  expected: OrderView,
  twin?: OrderView | null,
): FieldDifference[] {
  if (observed === null) return [{ field: 'order', observed: null, expected: expected.orderId }];
  return compared
    .filter((field) => !same(field, observed, expected))
    .map((field) => ({
      field,
      observed: observed[field],
      expected: expected[field],
      ...(twin === undefined ? {} : { twin: twin === null ? null : twin[field] }),
    }));
}

/** The ways an observed order differs from the expected one, as readable phrases; empty when they agree. */
export function orderDifferences(observed: OrderView | null, expected: OrderView): string[] {
  return fieldDifferences(observed, expected).map(phrase);
}

export function phrase(difference: FieldDifference): string {
  const { field, observed, expected } = difference;
  const twin = difference.twin === undefined ? '' : ` (its twin: ${String(difference.twin)})`;
  switch (field) {
    case 'order':
      return 'the probe does not know the order (404)';
    case 'fulfillments':
      return `fulfilled ${times(Number(observed))}, expected ${times(Number(expected))}${twin}`;
    case 'refunds':
      return `${String(observed)} refunds ran, expected ${String(expected)}${twin}`;
    default:
      return `${field} is ${String(observed)}, expected ${String(expected)}${twin}`;
  }
}

function times(count: number): string {
  return count === 0 ? 'never' : count === 1 ? 'once' : `${count} times`;
}
