import type { Provider } from '../../contracts/provider.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, type DeliveryOptions, deliveryOf, type SigningContext } from '../plan.js';
import { tamperJsonBody } from './tamper.js';

type ForgeryOptions = (ctx: SigningContext, event: GatewayEvent, other: GatewayEvent) => DeliveryOptions;

/** Forgeries of signed deliveries; the tampered body applies to every provider. */
const tampered: Readonly<Record<string, ForgeryOptions>> = {
  'body tampered under a valid signature': (ctx, event) => ({
    unsignedBody: ctx.provider.tamper ? ctx.provider.tamper(event.body) : tamperJsonBody(event.body),
  }),
};

const signed: Readonly<Record<string, ForgeryOptions>> = {
  ...tampered,
  'signed with the wrong secret': (ctx) => ({ secrets: [ctx.provider.secret.generate(ctx.random.bytes(32))] }),
  'no signature header': (ctx) => ({
    headers: (h) =>
      Object.fromEntries(Object.entries(h).filter(([name]) => !ctx.provider.signatureHeaders.includes(name))),
  }),
  "another event's signature": (ctx, _event, other) => {
    const borrowed = deliveryOf(ctx, other).request.headers;
    const signing = Object.entries(borrowed).filter(([name]) => !(name in ctx.provider.baseHeaders));
    return { headers: (h) => ({ ...h, ...Object.fromEntries(signing) }) };
  },
};

function commonFor(provider: Provider): Readonly<Record<string, ForgeryOptions>> {
  return provider.authentication === 'signature' ? signed : tampered;
}

/** The names of every forgery the fault catalog knows for a provider: the common ones, then its malformations. */
export function forgeryNames(provider: Provider): string[] {
  return [...Object.keys(commonFor(provider)), ...Object.keys(provider.malformations)];
}

/**
 * One named forgery of an event: a delivery a correct receiver rejects without changing state. `other` is a genuine
 * event of another order, whose signature the "another event's signature" forgery borrows.
 */
export function forgery(ctx: SigningContext, name: string, event: GatewayEvent, other: GatewayEvent): Delivery {
  const fault = { fault: { kind: 'forged', detail: name } as const, expect: 'reject' as const };
  const options = commonFor(ctx.provider)[name];
  if (options) return deliveryOf(ctx, event, { ...options(ctx, event, other), ...fault });
  const malform = ctx.provider.malformations[name];
  if (malform) return deliveryOf(ctx, event, { headers: malform, ...fault });
  throw new RangeError(
    `unknown forgery "${name}" for ${ctx.provider.id}; known: ${forgeryNames(ctx.provider).join(', ')}`,
  );
}

/** Correctly signed, but outside the provider's replay tolerance: stale always, future where the scheme bounds it. */
export function replayOffsets(provider: Provider): { name: string; offsetSeconds: number }[] {
  const tolerance = provider.tolerance;
  if (tolerance === null) return [];
  const list = [{ name: `timestamp ${tolerance.past + 120}s old`, offsetSeconds: -(tolerance.past + 120) }];
  if (tolerance.future !== null) {
    list.push({ name: `timestamp ${tolerance.future + 120}s in the future`, offsetSeconds: tolerance.future + 120 });
  }
  return list;
}

export function replayed(
  ctx: SigningContext,
  event: GatewayEvent,
  replay: { name: string; offsetSeconds: number },
): Delivery {
  return deliveryOf(ctx, event, {
    timestamp: ctx.nowSeconds() + replay.offsetSeconds,
    fault: { kind: 'replayed', detail: replay.name },
    expect: 'reject',
  });
}

/** A header with two signatures, old (wrong) and current secret, the valid one first or last: must be accepted. */
export function rotated(ctx: SigningContext, event: GatewayEvent, valid: 'first' | 'last'): Delivery {
  const old = ctx.provider.secret.generate(ctx.random.bytes(32));
  const secrets = valid === 'first' ? [ctx.secret, old] : [old, ctx.secret];
  return deliveryOf(ctx, event, { secrets, fault: { kind: 'rotated', detail: `valid signature ${valid} of two` } });
}
