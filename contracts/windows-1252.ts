/**
 * windows-1252, exactly as the WHATWG Encoding Standard defines it: Latin-1 but for 0x80–0x9F, where 27 bytes are
 * typographic characters (0x80 €, 0x8C Œ, 0x99 ™ …) and five (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay C1 controls.
 * Both directions are written out here: Node cannot encode windows-1252, and Node 20's `TextDecoder('windows-1252')`
 * decodes it as ISO-8859-1 (0x80 → U+0080, not €), so it cannot be trusted to read PayPal's bytes either.
 */
const high: readonly number[] = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

const byteOf = new Map<number, number>(high.map((codePoint, i) => [codePoint, 0x80 + i]));

/** The byte for a character, or null when windows-1252 has none. */
export function windows1252Byte(codePoint: number): number | null {
  const mapped = byteOf.get(codePoint);
  if (mapped !== undefined) return mapped;
  if (codePoint < 0x80 || (codePoint >= 0xa0 && codePoint <= 0xff)) return codePoint;
  return null;
}

/** Encodes text in windows-1252; throws a RangeError naming the first character it cannot represent. */
export function encodeWindows1252(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    const byte = windows1252Byte(codePoint);
    if (byte === null) {
      throw new RangeError(
        `"${char}" (U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}) has no windows-1252 byte`,
      );
    }
    bytes.push(byte);
  }
  return Uint8Array.from(bytes);
}

/** Decodes windows-1252 bytes (every byte has a character, so this never fails). */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes)
    out += String.fromCodePoint(byte >= 0x80 && byte <= 0x9f ? (high[byte - 0x80] ?? byte) : byte);
  return out;
}

/** Whether every character of the text has a windows-1252 byte. */
export function fitsWindows1252(text: string): boolean {
  for (const char of text) if (windows1252Byte(char.codePointAt(0) ?? 0) === null) return false;
  return true;
}
