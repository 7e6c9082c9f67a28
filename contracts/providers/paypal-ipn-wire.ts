import { createHash, createHmac } from 'node:crypto';
import {
  decodeForm,
  type FormCharset,
  formParts,
  joinParts,
  percentDecode,
  rawFieldValue,
  withFieldValue,
} from '../form-urlencoded.js';
import { safeEqual } from '../verification.js';
import { decodeWindows1252 } from '../windows-1252.js';

/**
 * PayPal classic IPN on the wire (docs/providers.md §2): a form in the charset its own `charset` field names (windows-1252
 * when absent), the postback `cmd=_notify-validate&<original bytes>` answered `VERIFIED`/`INVALID`, and the opaque
 * `verify_sign` — here the fake gateway's HMAC over every other byte, so its server recognises its own messages.
 */
export const PAYPAL_POSTBACK_PATH = '/cgi-bin/webscr';
export const PAYPAL_VALIDATE_PREFIX = 'cmd=_notify-validate&';
export const PAYPAL_DEFAULT_CHARSET = 'windows-1252';

const PREFIX = new TextEncoder().encode(PAYPAL_VALIDATE_PREFIX);
const nameDecoder = { decode: decodeWindows1252 };

/** The fields of an IPN in the order sent, decoded with its charset. Throws a RangeError on an unknown charset. */
export function decodeIpn(body: Uint8Array): { charset: string; fields: [string, string][] } {
  return decodeForm(body, { charsetField: 'charset', fallback: PAYPAL_DEFAULT_CHARSET });
}

/** The charset an IPN's bytes are written in (from its `charset` field), as this project writes it. */
export function ipnCharset(body: Uint8Array): FormCharset {
  const announced = rawFieldValue(body, 'charset');
  const label = announced === undefined ? PAYPAL_DEFAULT_CHARSET : nameDecoder.decode(announced);
  return label.trim().toLowerCase().replaceAll('_', '-') === 'utf-8' ? 'UTF-8' : 'windows-1252';
}

/** The value of one field, decoded; undefined when absent. */
export function ipnField(body: Uint8Array, name: string): string | undefined {
  return decodeIpn(body).fields.find(([key]) => key === name)?.[1];
}

/** The body with one field changed in place, in the message's own charset; every other byte unchanged. */
export function withIpnField(body: Uint8Array, name: string, value: string): Uint8Array {
  return withFieldValue(body, name, value, ipnCharset(body));
}

/** The bytes `verify_sign` covers: the body with its `verify_sign` value left empty; null when there is none. */
function unsignedContent(body: Uint8Array): { content: Uint8Array; value: string } | null {
  const parts = formParts(body);
  const index = parts.findIndex((part) => startsWith(part, 'verify_sign='));
  const part = parts[index];
  if (part === undefined) return null;
  const value = nameDecoder.decode(percentDecode(part.subarray('verify_sign='.length)));
  const emptied = parts.map((p, i) => (i === index ? new TextEncoder().encode('verify_sign=') : p));
  return { content: joinParts(emptied), value };
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  if (bytes.length < ascii.length) return false;
  for (let i = 0; i < ascii.length; i += 1) if (bytes[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** A `verify_sign` in PayPal's look (56 characters, letters, digits and `-`/`_`) that covers every other byte. */
function mark(content: Uint8Array, gatewayKey: string): string {
  const mac = createHmac('sha384', gatewayKey).update(content).digest('base64url');
  return `A${mac.slice(0, 55)}`;
}

export function sealIpn(body: Uint8Array, gatewayKey: string): Uint8Array {
  const unsigned = unsignedContent(body);
  if (unsigned === null) throw new RangeError('an IPN without a verify_sign field cannot be sealed');
  return withFieldValue(body, 'verify_sign', mark(unsigned.content, gatewayKey), ipnCharset(body));
}

export function ipnSealed(body: Uint8Array, gatewayKey: string): boolean {
  const unsigned = unsignedContent(body);
  if (unsigned === null || unsigned.value === '') return false;
  return safeEqual(mark(unsigned.content, gatewayKey), unsigned.value);
}

export function postbackRequest(original: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX.length + original.length);
  out.set(PREFIX, 0);
  out.set(original, PREFIX.length);
  return out;
}

export function postbackOriginal(request: Uint8Array): Uint8Array | null {
  return startsWith(request, PAYPAL_VALIDATE_PREFIX) ? request.subarray(PREFIX.length) : null;
}

/** A stable upper-case id of `length` characters from a key (PayPal `txn_id`s are 17, payer ids 13). */
export function paypalId(key: string, length: number): string {
  return createHash('sha256').update(key).digest('hex').toUpperCase().slice(0, length);
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const pacific = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** Unix seconds → PayPal's `payment_date`, Pacific time: `20:12:59 Jan 13, 2026 PST`. */
export function formatPaymentDate(unixSeconds: number): string {
  const parts = Object.fromEntries(
    pacific.formatToParts(new Date(unixSeconds * 1000)).map((part) => [part.type, part.value]),
  );
  return `${parts.hour}:${parts.minute}:${parts.second} ${parts.month} ${parts.day}, ${parts.year} ${parts.timeZoneName}`;
}

export const PAYMENT_DATE_PATTERN = /^(\d{2}):(\d{2}):(\d{2}) ([A-Z][a-z]{2}) (\d{2}), (\d{4}) (PST|PDT)$/;

/** PayPal's `payment_date` → unix seconds; null when it is not in that format. */
export function parsePaymentDate(text: string): number | null {
  const match = PAYMENT_DATE_PATTERN.exec(text);
  if (match === null) return null;
  const [, hh, mm, ss, mon, dd, yyyy, zone] = match;
  const month = months.indexOf(mon as (typeof months)[number]);
  if (month < 0) return null;
  const offsetHours = zone === 'PDT' ? 7 : 8;
  return Date.UTC(Number(yyyy), month, Number(dd), Number(hh) + offsetHours, Number(mm), Number(ss)) / 1000;
}
