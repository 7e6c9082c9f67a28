/**
 * What travels: one HTTP request as a gateway sends it. Headers are lower-case (but in a `compat.reformat` delivery that
 * sends them in other letter case); the body is the exact bytes.
 */
export interface WireRequest {
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Headers as a receiver sees them (Node's `IncomingHttpHeaders` fits). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One header's value, by case-insensitive name; a header sent twice comes back as `{ duplicated: true }`. */
export function readHeader(headers: HeaderMap, name: string): string | undefined | { duplicated: true } {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') return value;
    return value.length === 1 ? value[0] : { duplicated: true };
  }
  return undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
