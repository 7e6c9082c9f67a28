import type { FormCharset } from '../form-urlencoded.js';
import { fitsWindows1252 } from '../windows-1252.js';
import { paypalId } from './paypal-ipn-wire.js';

/**
 * Who pays in a seeded IPN: payers and items with the characters windows-1252 has and ASCII lacks (é, ñ, ß, Œ, €, …),
 * picked per payment (or subscription) key, and the charset of that account's messages. Every IPN family shares them,
 * so a subscription's messages and a one-off payment's look alike on the wire.
 */
const firstNames = [
  'José',
  'Zoë',
  'François',
  'Søren',
  'Björn',
  'Inés',
  'Maël',
  'Chloé',
  'Lukáš',
  'Jürgen',
  'Núria',
  'Ægir',
];
const lastNames = [
  'Ramírez',
  'Müller',
  'Øster',
  'Dvořák',
  'Nuñez',
  'Lefèvre',
  'Œhlenschläger',
  'Strauß',
  'Ångström',
  'Šimek',
];
export const ipnItems = [
  'Crème brûlée torch',
  'Jalapeño salsa – 3 jars',
  'Smørrebrød board',
  'Piñata “Deluxe”',
  'Café au lait mugs ×2',
  'Über-Widget™',
  'Gift card €25',
  'Façade paint • matte',
];

/** A seeded pick from a list, by a key's hash. */
export function pick<T>(list: readonly T[], key: string, salt: string): T {
  const n = Number.parseInt(paypalId(`${salt}:${key}`, 8), 16);
  return list[n % list.length] as T;
}

function asciiHandle(name: string): string {
  return name
    .normalize('NFD')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

export interface IpnPayer {
  readonly first: string;
  readonly last: string;
  readonly email: string;
  readonly payerId: string;
}

/** The payer behind a payment (or subscription) key. */
export function payerOf(key: string): IpnPayer {
  const first = pick(firstNames, key, 'first');
  const last = pick(lastNames, key, 'last');
  return {
    first,
    last,
    email: `${asciiHandle(first)}.${asciiHandle(last)}@example.net`,
    payerId: paypalId(`payer:${key}`, 13),
  };
}

/** The charset of a key's messages: UTF-8 for about one account in four (an account setting), else windows-1252. */
export function charsetFor(key: string, texts: readonly string[]): FormCharset {
  const utf8Account = Number.parseInt(paypalId(`charset:${key}`, 2), 16) % 4 === 0;
  return utf8Account || !texts.every(fitsWindows1252) ? 'UTF-8' : 'windows-1252';
}

export const IPN_NOTIFY_VERSION = '3.9';
export const IPN_DEFAULT_RECEIVER = 'merchant@example.com';

/** An IPN's fields in the order sent; an undefined value is a field this message leaves out. */
export type IpnFields = readonly (readonly [string, string | undefined])[];

/** `fields` with the absent ones left out, in order. */
export function presentFields(fields: IpnFields): [string, string][] {
  return fields.filter((f): f is [string, string] => f[1] !== undefined).map(([name, value]) => [name, value]);
}

/** An IPN as the provider's event: its fields by name, in the order sent (an object keeps insertion order). */
export function ipnEvent(fields: IpnFields): Record<string, string> {
  return Object.fromEntries(presentFields(fields));
}

export interface IpnAccount {
  readonly payer: IpnPayer;
  readonly item: string;
  readonly charset: FormCharset;
  /** The merchant's account: `business` and `receiver_email`. */
  readonly payee: string;
}

/** The buyer, item, charset and merchant of a payment (or subscription) key's messages. */
export function ipnAccount(key: string, payee: string | undefined): IpnAccount {
  const payer = payerOf(key);
  const item = pick(ipnItems, key, 'item');
  return {
    payer,
    item,
    charset: charsetFor(key, [payer.first, payer.last, item]),
    payee: payee ?? IPN_DEFAULT_RECEIVER,
  };
}

/**
 * The `custom` pass-through of a subscription's messages, as WooCommerce writes it: the order and its key in JSON
 * (`{"order_id":…,"order_key":"wc_order_…"}`). The order reference a receiver reads is `invoice` (or `rp_invoice_id`).
 */
export function orderPassThrough(orderId: string): string {
  return JSON.stringify({ order_id: orderId, order_key: `wc_order_${paypalId(`key:${orderId}`, 13).toLowerCase()}` });
}
