import type { LifecycleFact } from '../../contracts/lifecycle.js';

/**
 * What both backends can keep as text, so that SQLite and PostgreSQL give the same answer to the same delivery
 * (docs/decisions/0021-storage-faults.md). PostgreSQL's TEXT and JSONB cannot hold U+0000; a lone surrogate has no
 * UTF-8 form (both drivers write U+FFFD instead, so two different ids would become one key); a btree key holds at most
 * ~2,700 bytes on PostgreSQL. Bodies are bytes (BLOB, BYTEA) and headers JSON text, which hold anything.
 */
export const MAX_KEY_BYTES = 1_024;

/** Longest reason or error text stored (a longer one is cut, saying so). */
const MAX_REASON_CHARS = 2_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is the character PostgreSQL cannot store.
const UNSTORABLE_CHARS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Why a string cannot be a key (an event id, an order or refund id) on both backends as it is; null when it can. */
export function keyProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains U+0000, which PostgreSQL cannot store as text';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate, which is no Unicode text';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `is ${bytes} bytes long, more than the ${MAX_KEY_BYTES} a database key holds`;
  return null;
}

/**
 * Why a correctly signed delivery's event id cannot key the inbox: it is then kept as a dead letter (its exact bytes,
 * with the event id null and quoted, escaped, in the reason), on both backends alike. Null for a storable id.
 */
export function eventIdProblem(eventId: string): string | null {
  const problem = keyProblem(eventId);
  return problem === null ? null : `the event id ${problem}: ${quote(eventId)}`;
}

/** Why a fact cannot be stored and applied on both backends (its ids or currency); null when it can. */
export function factProblem(fact: LifecycleFact): string | null {
  const fields: [string, string | undefined][] = [
    ['order id', fact.orderId],
    ['currency', fact.currency],
    ['refund id', fact.refund?.id],
  ];
  for (const [name, value] of fields) {
    const problem = value === undefined ? null : keyProblem(value);
    if (problem !== null) return `the event's ${name} ${problem}: ${quote(value ?? '')}`;
  }
  return null;
}

/** A reason or error text as both backends store it: U+0000 and lone surrogates written as `\uXXXX`, cut if long. */
export function storableText(text: string): string {
  const cut = text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS)}… (cut)`;
  return cut.replace(UNSTORABLE_CHARS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The string as JSON (every awkward character escaped), its first 80 characters for a long one. */
function quote(text: string): string {
  return text.length <= 80 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 80))}… (${text.length} characters)`;
}

/**
 * A dead letter's event id and reason as both backends store them: an event id that cannot be a key is kept as null
 * (the body and headers still hold it, byte for byte), and the reason says why.
 */
export function storableDeadLetter(letter: { readonly eventId: string | null; readonly reason: string }): {
  readonly eventId: string | null;
  readonly reason: string;
} {
  const problem = letter.eventId === null ? null : eventIdProblem(letter.eventId);
  if (problem === null) return { eventId: letter.eventId, reason: storableText(letter.reason) };
  return { eventId: null, reason: storableText(letter.reason === problem ? problem : `${letter.reason}; ${problem}`) };
}
