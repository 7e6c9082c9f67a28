import type { Provider } from '../../contracts/provider.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, type DeliveryOptions, deliveryOf, type SigningContext } from '../plan.js';
import { tamperJsonBody } from './tamper.js';

type ForgeryOptions = (ctx: SigningContext, event: GatewayEvent, other: GatewayEvent) => DeliveryOptions;

/** Forgeries of signed deliveries; the tampered body applies to every provider. */
const tampered: Readonly<Record<string, ForgeryOptions>> = {
  'body tampered under a valid signature': (ctx, event) => {
    const tamper = ctx.provider.tamper ?? tamperJsonBody;
    // A signature inside the body (Adyen) is put in when signing: the forger changes the body as signed.
    return ctx.provider.signBody ? { afterSigning: tamper } : { unsignedBody: tamper(event.body) };
  },
};

function wrongSecret(ctx: SigningContext): DeliveryOptions {
  return { secrets: [ctx.provider.secret.generate(ctx.random.bytes(32))] };
}

const signed: Readonly<Record<string, ForgeryOptions>> = {
  ...tampered,
  'signed with the wrong secret': wrongSecret,
  'no signature header': (ctx) => ({
    headers: (h) =>
      Object.fromEntries(Object.entries(h).filter(([name]) => !ctx.provider.signatureHeaders.includes(name))),
  }),
  "another event's signature": (ctx, _event, other) => {
    // The other event's genuine delivery, signed at the same second as the forgery leaves.
    const borrowed = deliveryOf(ctx, other);
    return {
      headers: (h, nowSeconds) => {
        const signing = Object.entries(borrowed.sign(nowSeconds).request.headers).filter(
          ([name]) => !(name in ctx.provider.baseHeaders),
        );
        return { ...h, ...Object.fromEntries(signing) };
      },
    };
  },
};

function commonFor(provider: Provider): Readonly<Record<string, ForgeryOptions>> {
  if (provider.authentication !== 'signature') return tampered;
  if (provider.bodyForgeries === undefined) return signed;
  // A signature inside the body (Adyen) has no header to remove or borrow: its own body forgeries stand in.
  const inBody: Record<string, ForgeryOptions> = { ...tampered, 'signed with the wrong secret': wrongSecret };
  for (const [name, forge] of Object.entries(provider.bodyForgeries)) {
    inBody[name] = (ctx) => ({ afterSigning: (body) => forge(body, ctx.secret) });
  }
  return inBody;
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
    timestampOffsetSeconds: replay.offsetSeconds,
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
