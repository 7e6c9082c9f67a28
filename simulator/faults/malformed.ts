import fc from 'fast-check';
import { signedRequest } from '../../contracts/provider.js';
import { utf8 } from '../../contracts/wire.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, deliveryWith, type SigningContext } from '../plan.js';

/**
 * Malformed requests (`robust.bad-input`), drawn by fast-check from a seed: what a receiver meets on the open internet
 * and from buggy proxies. Each one is built around a genuine event the receiver has already applied, so a correct
 * receiver's state cannot change whatever it does with it; what it must not do is answer 5xx, reset, hang or crash.
 * Half of them are correctly signed, so the garbage also reaches the code behind the signature check.
 */
export const malformationKinds = [
  'not JSON',
  'truncated body',
  'oversized body',
  'wrong content type',
  'invalid UTF-8',
  'header sent twice',
  '__proto__ and constructor keys',
  'deep nesting',
  'empty body',
] as const;
export type MalformationKind = (typeof malformationKinds)[number];

/** One drawn malformation, before it is turned into a delivery. */
interface Malformed {
  readonly detail: string;
  readonly body: Uint8Array;
  /** Content type to send instead of the provider's. */
  readonly contentType?: string;
  /** Send the signature header twice (the valid value and this one). */
  readonly duplicateSignature?: string;
  readonly signed: boolean;
}

/** Largest body an `oversized body` draw sends: big enough to pass any sane limit, bounded for the loopback. */
const OVERSIZED_BYTES = { min: 2 * 1024 * 1024, max: 3 * 1024 * 1024 };

const notJson = ['{', '{"id":', '{"a":1,}', 'null', '[]', '"text"', '12', 'NaN', "{'id':'x'}", '<xml/>', '\u0000'];
const foreignTypes = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'image/png',
];

function arbitrary(kind: MalformationKind, event: GatewayEvent, ownType: string): fc.Arbitrary<Malformed> {
  const text = new TextDecoder().decode(event.body);
  const signed = fc.boolean();
  switch (kind) {
    case 'not JSON':
      return fc
        .record({ head: fc.constantFrom(...notJson), tail: fc.string({ maxLength: 40 }), signed })
        .map(({ head, tail, signed }) => ({
          detail: `${JSON.stringify(head)}…`,
          body: utf8(head + tail),
          signed,
        }));
    case 'truncated body':
      return fc
        .record({ cut: fc.integer({ min: 1, max: Math.max(1, event.body.length - 1) }), signed })
        .map(({ cut, signed }) => ({ detail: `cut after ${cut} bytes`, body: event.body.slice(0, cut), signed }));
    case 'oversized body':
      return fc.record({ size: fc.integer(OVERSIZED_BYTES), signed }).map(({ size, signed }) => ({
        detail: `${(size / 1024 / 1024).toFixed(1)} MiB`,
        body: utf8(`{"id":"big","padding":"${'x'.repeat(size)}"}`),
        signed,
      }));
    case 'wrong content type':
      return fc
        .record({ type: fc.constantFrom(...foreignTypes.filter((t) => t !== ownType)), signed })
        .map(({ type, signed }) => ({ detail: type, body: event.body, contentType: type, signed }));
    case 'invalid UTF-8':
      return fc
        .record({
          at: fc.integer({ min: 0, max: event.body.length }),
          bytes: fc.constantFrom(
            [0xff],
            [0xc3, 0x28],
            [0xe2, 0x82],
            [0xed, 0xa0, 0x80],
            [0xf8, 0x88, 0x80, 0x80, 0x80],
          ),
          signed,
        })
        .map(({ at, bytes, signed }) => ({
          detail: `${bytes.map((b) => b.toString(16)).join(' ')} at byte ${at}`,
          body: Uint8Array.from([...event.body.slice(0, at), ...bytes, ...event.body.slice(at)]),
          signed,
        }));
    case 'header sent twice':
      return fc.string({ minLength: 1, maxLength: 30 }).map((other) => ({
        detail: 'the signature header',
        body: event.body,
        duplicateSignature: other.replace(/[^\x21-\x7e]/g, 'x'),
        signed: true,
      }));
    case '__proto__ and constructor keys':
      return fc.record({ signed }).map(({ signed }) => ({
        detail: 'at the top level',
        body: utf8(
          text.trimStart().startsWith('{')
            ? text.replace(
                '{',
                '{"__proto__":{"status":"paid","isAdmin":true},"constructor":{"prototype":{"polluted":1}},',
              )
            : `{"__proto__":{"status":"paid"},"body":${JSON.stringify(text)}}`,
        ),
        signed,
      }));
    case 'deep nesting':
      return fc.record({ depth: fc.integer({ min: 5_000, max: 50_000 }), signed }).map(({ depth, signed }) => ({
        detail: `${depth} levels`,
        body: utf8(`{"id":"deep","data":{"object":${'['.repeat(depth)}${']'.repeat(depth)}}}`),
        signed,
      }));
    case 'empty body':
      return signed.map((signed) => ({ detail: '0 bytes', body: new Uint8Array(0), signed }));
  }
}

/**
 * `perKind` malformed deliveries of each kind around the given events (applied genuine ones), drawn with fast-check
 * from `seed`; an oversized body is drawn at most twice.
 */
export function malformedDeliveries(
  ctx: SigningContext,
  events: readonly GatewayEvent[],
  seed: number,
  perKind: number,
): Delivery[] {
  const ownType = ctx.provider.baseHeaders['content-type'] ?? 'application/json';
  const deliveries: Delivery[] = [];
  for (const [index, kind] of malformationKinds.entries()) {
    const count = kind === 'oversized body' ? Math.min(perKind, 2) : perKind;
    for (let n = 0; n < count; n += 1) {
      const event = events[(index + n) % events.length];
      if (event === undefined) throw new RangeError('malformed deliveries need at least one event');
      const [drawn] = fc.sample(arbitrary(kind, event, ownType), { seed: seed + index * 1_000 + n, numRuns: 1 });
      if (drawn !== undefined) deliveries.push(toDelivery(ctx, event, kind, drawn));
    }
  }
  return deliveries;
}

/** One malformed delivery of a kind around an event, drawn with fast-check from `seed` (explore's single operation). */
export function malformedDelivery(
  ctx: SigningContext,
  event: GatewayEvent,
  kind: MalformationKind,
  seed: number,
): Delivery {
  const ownType = ctx.provider.baseHeaders['content-type'] ?? 'application/json';
  const [drawn] = fc.sample(arbitrary(kind, event, ownType), { seed, numRuns: 1 });
  if (drawn === undefined) throw new RangeError(`no ${kind} malformation could be drawn`);
  return toDelivery(ctx, event, kind, drawn);
}

function toDelivery(ctx: SigningContext, event: GatewayEvent, kind: MalformationKind, malformed: Malformed): Delivery {
  const id = ctx.nextDeliveryId();
  const { provider, notificationUrl } = ctx;
  const signatureNames = new Set(provider.signatureHeaders.map((name) => name.toLowerCase()));
  const sign = (nowSeconds: number) => {
    const signed = signedRequest(provider, {
      body: malformed.body,
      eventId: event.eventId,
      deliveryId: id,
      secrets: [ctx.secret],
      timestamp: nowSeconds,
      ...(notificationUrl === undefined ? {} : { notificationUrl }),
    });
    let headers: [string, string][] = Object.entries(signed.headers).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]);
    if (!malformed.signed) headers = headers.filter(([name]) => !signatureNames.has(name));
    if (malformed.contentType !== undefined) {
      headers = headers.map(([name, value]) => [
        name,
        name === 'content-type' ? (malformed.contentType ?? value) : value,
      ]);
    }
    const twice = malformed.duplicateSignature;
    const first = headers.find(([name]) => signatureNames.has(name));
    if (twice !== undefined && first !== undefined) headers.push([first[0], twice]);
    return {
      request: { method: 'POST' as const, headers: Object.fromEntries(headers), body: malformed.body },
      rawHeaders: headers,
    };
  };
  return deliveryWith(event, id, sign, {
    fault: { kind: 'malformed', detail: `${kind}: ${malformed.detail}, ${malformed.signed ? 'signed' : 'unsigned'}` },
    expect: 'survive',
  });
}
