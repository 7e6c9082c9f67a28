import { IpnError } from '../../contracts/errors.js';
import { currencyExponent, formatMinor, parseDecimal } from '../../contracts/money.js';
import { type OrderStatus, OrderStatusSchema, type OrderView } from '../../contracts/probe.js';
import type { StatusWords } from './sql-config.js';

/** How a row (SQL) or object (module) that stands for an order is read into the probe contract's view. */
export interface RowReading {
  /** `the read SQL's row` / `readOrder's result`: named in every error. */
  readonly source: string;
  /** `column` (SQL) or `field` (a module's object). */
  readonly part: 'column' | 'field';
  readonly statuses?: StatusWords | undefined;
  /** Amounts are whole numbers of minor units (cents), not decimals of major units. */
  readonly minorUnits?: boolean | undefined;
}

const FIELDS = ['status', 'amountPaid', 'amountRefunded', 'currency', 'fulfillments', 'refunds'] as const;
const EXPECTED: Record<(typeof FIELDS)[number], string> = {
  status: "the order's status, one of the contract's statuses or a word the statuses map names",
  amountPaid: 'the amount paid',
  amountRefunded: 'the amount refunded',
  currency: 'a three-letter ISO 4217 code such as "USD"',
  fulfillments: 'how many times the order was fulfilled, a whole number',
  refunds: 'how many refunds were made, a whole number',
};

/** The view of order `orderId` from one row; an `IpnError` (IPN_ERR_PROBE_INVALID) naming the part that does not fit. */
export function orderFromRow(orderId: string, row: Readonly<Record<string, unknown>>, reading: RowReading): OrderView {
  for (const field of FIELDS) {
    if (row[field] === undefined || row[field] === null) throw missing(field, row, reading);
  }
  const currency = row.currency;
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw invalid(reading, 'currency', currency, EXPECTED.currency);
  }
  const code = currency.toUpperCase();
  return {
    orderId,
    status: statusOf(row.status, reading),
    amountPaid: amountOf('amountPaid', row.amountPaid, code, reading),
    amountRefunded: amountOf('amountRefunded', row.amountRefunded, code, reading),
    currency: code,
    fulfillments: countOf('fulfillments', row.fulfillments, reading),
    refunds: countOf('refunds', row.refunds, reading),
  };
}

function statusOf(value: unknown, reading: RowReading): OrderStatus {
  if (typeof value !== 'string') throw invalid(reading, 'status', value, EXPECTED.status);
  const mapped = reading.statuses?.[value];
  if (mapped !== undefined) return mapped;
  const own = OrderStatusSchema.safeParse(value);
  if (own.success) return own.data;
  const words = Object.keys(reading.statuses ?? {});
  throw new IpnError(
    'IPN_ERR_PROBE_INVALID',
    `${reading.source}: ${reading.part} status is ${JSON.stringify(value)}, which is not a status of the probe contract (${OrderStatusSchema.options.join(', ')})${words.length === 0 ? ' and there is no statuses map' : ` nor a word of the statuses map (${words.join(', ')})`}.`,
    {
      hint: `Map the receiver's status words to the contract's in the probe's statuses, e.g. statuses: { ${JSON.stringify(value)}: "paid" }.`,
    },
  );
}

function amountOf(field: 'amountPaid' | 'amountRefunded', value: unknown, currency: string, reading: RowReading) {
  const exponent = currencyExponent(currency);
  if (reading.minorUnits === true) {
    const minor = wholeNumber(value);
    if (minor === null)
      throw invalid(reading, field, value, `${EXPECTED[field]} in minor units, a whole number such as 4999`);
    return formatMinor(minor, currency);
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    const scaled = value * 10 ** exponent;
    const minor = Math.round(scaled);
    if (Math.abs(scaled - minor) < 1e-6) return formatMinor(minor, currency);
  } else if (typeof value === 'string' && parseDecimal(value, currency) !== null) {
    return formatMinor(parseDecimal(value, currency) ?? 0, currency);
  }
  throw invalid(
    reading,
    field,
    value,
    `${EXPECTED[field]} in ${currency}, a decimal with at most ${exponent} decimals such as ${JSON.stringify(formatMinor(4999, currency))} (for whole cents, set amountsInMinorUnits: true)`,
  );
}

function countOf(field: 'fulfillments' | 'refunds', value: unknown, reading: RowReading): number {
  const count = wholeNumber(value);
  if (count === null || count < 0) throw invalid(reading, field, value, EXPECTED[field]);
  return count;
}

/** A whole number as drivers return one: a number, a bigint, or digits (PostgreSQL's COUNT, a NUMERIC). */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : null;
  if (typeof value === 'string' && /^-?\d+(\.0+)?$/.test(value.trim())) {
    const number = Number.parseInt(value, 10);
    return Number.isSafeInteger(number) ? number : null;
  }
  return null;
}

function missing(field: string, row: Readonly<Record<string, unknown>>, reading: RowReading): IpnError {
  const present = Object.keys(row);
  const folded = present.find((name) => name !== field && name.toLowerCase() === field.toLowerCase());
  const why = row[field] === null ? `is NULL in ${reading.source}` : `is missing from ${reading.source}`;
  return new IpnError(
    'IPN_ERR_PROBE_INVALID',
    `${reading.part} ${field} ${why} (it has ${present.length === 0 ? 'none' : present.join(', ')}); expected ${EXPECTED[field as keyof typeof EXPECTED]}.`,
    {
      hint:
        folded !== undefined
          ? `PostgreSQL folds unquoted names to lower case: write AS "${field}" (in double quotes), not AS ${field}.`
          : reading.part === 'column'
            ? `Alias a column of the read SQL as the contract's name: … AS "${field}"${row[field] === null ? ' (COALESCE(…, 0) for a value that may be missing)' : ''}.`
            : `Return ${field} from readOrder (see README, "Probes without server code").`,
    },
  );
}

function invalid(reading: RowReading, field: string, value: unknown, expected: string): IpnError {
  return new IpnError(
    'IPN_ERR_PROBE_INVALID',
    `${reading.source}: ${reading.part} ${field} is ${describe(value)}; expected ${expected}.`,
    {
      hint: `Make the ${reading.part} ${field} hold what the probe contract expects (see README, "Probes without server code").`,
    },
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  return value === null ? 'NULL' : `${typeof value === 'object' ? 'an object' : typeof value}`;
}
