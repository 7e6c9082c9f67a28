import type { Provider, Reformat, ReformatRandom } from '../../contracts/provider.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, deliveryOf, type SigningContext } from '../plan.js';
import { compact, type JsonStyle, styleOf, writeJson } from './json-style.js';

/**
 * `compat.reformat`: a genuine event sent in another shape that means the same. Each reformat is named for the report;
 * the simulator signs the reformatted body, so a receiver that verifies the raw bytes it received accepts it.
 * The JSON reformats apply to providers whose content type is JSON; header-name case applies to every provider; a
 * provider adds its own (`Provider.reformats`: Stripe's API versions, PayPal's charsets).
 */

/** Whether a provider's deliveries carry JSON (`application/json`, `…+json`), judged by its Content-Type. */
export function sendsJson(provider: Pick<Provider, 'baseHeaders'>): boolean {
  const type = mediaType(contentTypeOf(provider.baseHeaders) ?? '');
  return type === 'application/json' || type.endsWith('+json');
}

/** Keys in another (seeded) order at every level; the body is written back in its own style. */
const keysReordered: Reformat = {
  keeps: 'json',
  body: (body, random) => {
    const text = fromUtf8(body);
    const value = parsed(text);
    const reordered = utf8(
      writeJson(
        mapObjects(value, (o) => reorder(o, random)),
        styleOf(text),
      ),
    );
    return sameBytes(reordered, body) ? utf8(writeJson(mapObjects(value, reversed), styleOf(text))) : reordered;
  },
};

const whitespaceStyles: readonly JsonStyle[] = [
  compact,
  { indent: null, newline: '\n', colon: ': ', comma: ', ', trailing: '' },
  { indent: '  ', newline: '\n', colon: ': ', comma: ',', trailing: '\n' },
  { indent: '    ', newline: '\n', colon: ' : ', comma: ',', trailing: '' },
  { indent: '\t', newline: '\r\n', colon: ': ', comma: ',', trailing: '\r\n' },
];

/** Compact ↔ pretty, other indentation (spaces, tabs), CRLF line ends, a trailing line end: one seeded style. */
const otherWhitespace: Reformat = {
  keeps: 'json',
  body: (body, random) => {
    const value = parsed(fromUtf8(body));
    const candidates = random
      .shuffle(whitespaceStyles)
      .map((style) => utf8(writeJson(value, style)))
      // More than a trailing line end must change: the layout itself.
      .filter((bytes) => fromUtf8(bytes).trimEnd() !== fromUtf8(body).trimEnd());
    const chosen = candidates[0];
    if (chosen === undefined) throw new Error('every whitespace style wrote the same bytes');
    return chosen;
  },
};

/** Characters a gateway may escape in its JSON (Shopify escapes `/` and `&`; `<`, `>` against HTML injection). */
const escapedAscii = new Set(['/', '&', '<', '>', "'", '='].map((c) => c.charCodeAt(0)));

/** Every non-ASCII character, the HTML-sensitive ones and a seeded share of letters and digits as `\uXXXX`. */
const unicodeEscapes: Reformat = {
  keeps: 'json',
  body: (body, random) => {
    const text = fromUtf8(body);
    const value = parsed(text);
    const every = random.int(3, 6);
    const offset = random.int(0, every - 1);
    const escaped = (code: number, position: number) =>
      code > 0x7e || escapedAscii.has(code) || (isAlphanumeric(code) && position % every === offset);
    return utf8(writeJson(value, { ...styleOf(text), escape: escaped }));
  },
};

/** Names a newer version of a payload could add; none of them is a field any modelled provider gives meaning to. */
const addedNames = ['x_trace', 'annotations', 'presentation', 'beta_flags', 'legacy_ref'] as const;

/** Values in several JSON types, with non-ASCII text, an emoji and U+2028 (legal in JSON, a line end in old JS). */
function addedValue(random: ReformatRandom): unknown {
  const values: unknown[] = [
    { note: 'Zoë’s café — paid in full ✓', tags: ['ünïcode', '🎉'], nested: { depth: 2, flag: true } },
    'line\u2028separator and paragraph\u2029separator',
    [1, 2.5, null, 'zwei', { empty: {} }],
    null,
    -0.125,
    false,
  ];
  return values[random.int(0, values.length - 1)];
}

/** One or two fields no receiver knows, at every object level, each at a seeded position among the keys. */
const unknownFields: Reformat = {
  keeps: 'json-plus-fields',
  body: (body, random) => {
    const text = fromUtf8(body);
    const value = parsed(text);
    const widened = mapObjects(value, (object) => {
      const entries = Object.entries(object);
      const free = addedNames.filter((name) => !(name in object));
      for (const name of random.shuffle(free).slice(0, random.int(1, 2))) {
        entries.splice(random.int(0, entries.length), 0, [name, addedValue(random)]);
      }
      return Object.fromEntries(entries);
    });
    return utf8(writeJson(widened, styleOf(text)));
  },
};

/** `; charset=utf-8` added where the gateway sends none, removed where it sends one. */
const charsetParameter: Reformat = {
  keeps: 'json',
  headers: (headers, random) => withContentType(headers, (value) => toggledCharset(value, random)),
};

/** The media type and parameter names in other letter case: `Application/JSON; Charset=UTF-8`. */
const contentTypeCase: Reformat = {
  keeps: 'json',
  headers: (headers, random) =>
    withContentType(headers, (value) => {
      const [type = '', ...parameters] = value.split(';');
      const upperType = random.int(0, 1) === 0 ? type.toUpperCase() : 'Application/JSON';
      const upperParameters = parameters.map((p) =>
        p.replace(/^\s*([^=]+)=(.*)$/, (_m, k: string, v: string) => {
          return ` ${k.charAt(0).toUpperCase()}${k.slice(1)}=${v.toUpperCase()}`;
        }),
      );
      return [upperType, ...upperParameters].join(';');
    }),
};

/** Every header name in Title-Case or UPPER CASE (seeded per header); HTTP header names are case-insensitive. */
const headerNameCase: Reformat = {
  keeps: 'json',
  headers: (headers, random) =>
    Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        random.int(0, 2) === 0 ? name.toUpperCase() : titleCase(name),
        value,
      ]),
    ),
};

const jsonReformats: Readonly<Record<string, Reformat>> = {
  'keys reordered at every level': keysReordered,
  'other whitespace and indentation': otherWhitespace,
  'characters as unicode escapes': unicodeEscapes,
  'unknown fields added at every level': unknownFields,
  'charset parameter on the content type': charsetParameter,
  'content type in other letter case': contentTypeCase,
};

/** Every reformat that applies to a provider, by name: JSON ones for JSON bodies, header case, then the provider's. */
export function reformatsFor(provider: Provider): Readonly<Record<string, Reformat>> {
  return {
    ...(sendsJson(provider) ? jsonReformats : {}),
    'header names in other letter case': headerNameCase,
    ...provider.reformats,
  };
}

export function reformatNames(provider: Provider): string[] {
  return Object.keys(reformatsFor(provider));
}

/**
 * A genuine event delivered in the named shape, correctly signed, expected to be accepted and applied. The reformat's
 * choices come from a stream seeded by the run, the reformat and the event, so a replay sends the same bytes.
 */
export function reformatted(ctx: SigningContext, event: GatewayEvent, name: string): Delivery {
  const reformat = reformatsFor(ctx.provider)[name];
  if (reformat === undefined) {
    throw new RangeError(
      `unknown reformat "${name}" for ${ctx.provider.id}; known: ${reformatNames(ctx.provider).join(', ')}`,
    );
  }
  const stream = () => ctx.random.fork(`reformat:${name}:${event.eventId}`);
  const { body, headers } = reformat;
  return deliveryOf(ctx, event, {
    ...(body === undefined ? {} : { body: body(event.body, stream()) }),
    // Headers are reshaped as each attempt is signed, from the same seeded stream every time: the same choices.
    ...(headers === undefined ? {} : { headers: (signed) => headers(signed, stream()) }),
    fault: { kind: 'reformatted', detail: name },
  });
}

/**
 * The body's JSON value, which the reformats write back. `JSON.parse` reads numbers as doubles, so an integer beyond
 * 2^53 (a 64-bit id) would be written back as another number: refused, rather than sending another event.
 */
function parsed(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new RangeError(`the JSON reformats cannot keep the integer ${value} exact (beyond 2^53)`);
    }
    return value;
  });
}

function mapObjects(value: unknown, change: (object: Record<string, unknown>) => Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => mapObjects(item, change));
  if (typeof value !== 'object' || value === null) return value;
  const children = Object.fromEntries(Object.entries(value).map(([key, child]) => [key, mapObjects(child, change)]));
  return change(children);
}

function reorder(object: Record<string, unknown>, random: ReformatRandom): Record<string, unknown> {
  return Object.fromEntries(random.shuffle(Object.entries(object)));
}

function reversed(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).reverse());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

function contentTypeOf(headers: Readonly<Record<string, string>>): string | undefined {
  return Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
}

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function withContentType(
  headers: Readonly<Record<string, string>>,
  change: (value: string) => string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      name.toLowerCase() === 'content-type' ? change(value) : value,
    ]),
  );
}

function toggledCharset(value: string, random: ReformatRandom): string {
  const type = (value.split(';')[0] ?? '').trim();
  if (/;\s*charset=/i.test(value)) return type;
  return random.int(0, 1) === 0 ? `${type}; charset=utf-8` : `${type};charset=UTF-8`;
}
