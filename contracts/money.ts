import { z } from 'zod';

/** ISO 4217 currencies whose minor unit is the major unit (no decimals). */
const zeroDecimal = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const threeDecimal = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export const CurrencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
  .transform((c) => c.toUpperCase());

/** A decimal amount in major units, as the probe contract carries it: "49.99", "0", "1000". */
export const DecimalAmountSchema = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "49.99"');

export function currencyExponent(currency: string): number {
  const c = currency.toUpperCase();
  if (zeroDecimal.has(c)) return 0;
  if (threeDecimal.has(c)) return 3;
  return 2;
}

/** 4999, "USD" → "49.99". */
export function formatMinor(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const negative = minor < 0;
  const digits = Math.abs(Math.trunc(minor))
    .toString()
    .padStart(exp + 1, '0');
  const major = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  return negative ? `-${major}` : major;
}

/** "49.9", "USD" → 4990; null when the string has more decimals than the currency allows or is not a number. */
export function parseDecimal(amount: string, currency: string): number | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return null;
  const [, sign, whole = '0', fraction = ''] = match;
  const exp = currencyExponent(currency);
  const trimmed = fraction.replace(/0+$/, '');
  if (trimmed.length > exp) return null;
  const minor = Number(whole) * 10 ** exp + Number(trimmed.padEnd(exp, '0') || '0');
  return sign === '-' ? -minor : minor;
}
