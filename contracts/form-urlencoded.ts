import { decodeWindows1252, encodeWindows1252 } from './windows-1252.js';

/**
 * `application/x-www-form-urlencoded` at the byte level, with the character set chosen by the sender (PayPal announces
 * it in the body's own `charset` field). Names and values are bytes in that charset, percent-encoded except for
 * `A–Z a–z 0–9 * - . _`, with a space as `+` (what PHP's `urlencode` and PayPal send).
 */
export type FormFields = readonly (readonly [name: string, value: string])[];

/** The charsets this project writes; any label Node's `TextDecoder` knows can be read. */
export type FormCharset = 'windows-1252' | 'UTF-8';

const AMP = 0x26;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;

/** A charset label as senders write it (`UTF-8`, `windows-1252`, `KOI8_R`) → the WHATWG label (`koi8-r`). */
export function normaliseCharset(label: string): string {
  return label.trim().toLowerCase().replaceAll('_', '-');
}

export function encodeText(text: string, charset: FormCharset): Uint8Array {
  return charset === 'UTF-8' ? new TextEncoder().encode(text) : encodeWindows1252(text);
}

function unreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x2a ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x5f
  );
}

/** Percent-encodes bytes: unreserved bytes as they are, a space as `+`, everything else `%XX` (upper-case hex). */
export function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (unreserved(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The exact bytes of a form, fields in the order given, every name and value encoded in `charset`. */
export function encodeForm(fields: FormFields, charset: FormCharset): Uint8Array {
  const text = fields
    .map(([name, value]) => `${percentEncode(encodeText(name, charset))}=${percentEncode(encodeText(value, charset))}`)
    .join('&');
  return new TextEncoder().encode(text);
}

/** `+` → space, `%XX` → the byte; anything else stays the byte it is. */
export function percentDecode(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    if (byte === PLUS) out.push(0x20);
    else if (byte === PERCENT && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out.push(Number.parseInt(String.fromCharCode(bytes[i + 1] as number, bytes[i + 2] as number), 16));
      i += 2;
    } else out.push(byte);
  }
  return Uint8Array.from(out);
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}

/** The raw `name=value` parts of a body, split on `&` (a literal `&` inside a value is always `%26`). */
export function formParts(body: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i += 1) {
    if (i === body.length || body[i] === AMP) {
      if (i > start) parts.push(body.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function splitPart(part: Uint8Array): { name: Uint8Array; value: Uint8Array } {
  const at = part.indexOf(EQUALS);
  return at < 0
    ? { name: part, value: new Uint8Array(0) }
    : { name: part.subarray(0, at), value: part.subarray(at + 1) };
}

// Field names and the charset value are ASCII, which every decoder here reads as is.
const ascii = { decode: decodeWindows1252 };

/** The percent-decoded value of the first field called `name` (compared as ASCII), as bytes; undefined when absent. */
export function rawFieldValue(body: Uint8Array, name: string): Uint8Array | undefined {
  for (const part of formParts(body)) {
    const split = splitPart(part);
    if (ascii.decode(percentDecode(split.name)) === name) return percentDecode(split.value);
  }
  return undefined;
}

/**
 * Decodes a form whose charset is named by one of its own fields (PayPal's `charset`), `fallback` when the field is
 * absent. Throws a RangeError for an unknown charset or bytes that are not valid in it.
 */
export function decodeForm(
  body: Uint8Array,
  options: { readonly charsetField: string; readonly fallback: string },
): { readonly charset: string; readonly fields: [string, string][] } {
  const announced = rawFieldValue(body, options.charsetField);
  const charset = normaliseCharset(announced === undefined ? options.fallback : ascii.decode(announced));
  const decoder = decoderFor(charset);
  const fields = formParts(body).map((part): [string, string] => {
    const { name, value } = splitPart(part);
    return [decoder.decode(percentDecode(name)), decoder.decode(percentDecode(value))];
  });
  return { charset: decoder.encoding, fields };
}

/** A decoder for a charset label; windows-1252 (and the labels WHATWG maps to it, latin1 included) by our table. */
function decoderFor(charset: string): { readonly encoding: string; decode(bytes: Uint8Array): string } {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new RangeError(`unknown charset "${charset}"`);
  }
  return decoder.encoding === 'windows-1252' ? { encoding: 'windows-1252', decode: decodeWindows1252 } : decoder;
}

/**
 * The body with the first field called `name` given a new value, encoded in `charset`; every other byte unchanged.
 * Throws a RangeError when there is no such field.
 */
export function withFieldValue(body: Uint8Array, name: string, value: string, charset: FormCharset): Uint8Array {
  const parts = formParts(body);
  const index = parts.findIndex((part) => ascii.decode(percentDecode(splitPart(part).name)) === name);
  if (index < 0) throw new RangeError(`the form has no field "${name}"`);
  const replaced = new TextEncoder().encode(
    `${percentEncode(encodeText(name, charset))}=${percentEncode(encodeText(value, charset))}`,
  );
  return joinParts(parts.map((part, i) => (i === index ? replaced : part)));
}

export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0) + Math.max(0, parts.length - 1);
  const out = new Uint8Array(total);
  let at = 0;
  parts.forEach((part, i) => {
    if (i > 0) {
      out[at] = AMP;
      at += 1;
    }
    out.set(part, at);
    at += part.length;
  });
  return out;
}
