import type { Postback } from '../../contracts/provider.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, deliveryOf, type SigningContext } from '../plan.js';

/** A forged IPN: bytes the gateway never sent, made from a genuine event. */
type PostbackForgery = (ctx: SigningContext, event: GatewayEvent, postback: Postback, key: string) => Uint8Array;

const forgeries: Readonly<Record<string, PostbackForgery>> = {
  // Plausible in every field, but marked by another gateway (or by nobody): the gateway never sent it.
  'never sent by the gateway': (ctx, event, postback) => postback.seal(event.body, `not-${ctx.random.id(16)}`),
  'mc_gross changed after sending': (ctx, event, postback, key) => {
    if (ctx.provider.tamper === undefined) throw new RangeError(`${ctx.provider.id} has no tamper`);
    return ctx.provider.tamper(postback.seal(event.body, key));
  },
  'receiver_email changed after sending': (ctx, event, postback, key) => {
    if (ctx.provider.payTo === undefined) throw new RangeError(`${ctx.provider.id} names no payee`);
    return ctx.provider.payTo(postback.seal(event.body, key), `attacker-${ctx.random.id(6)}@example.org`);
  },
  're-encoded in the other charset (same text, other bytes)': (ctx, event, postback, key) => {
    const other = ctx.provider.reformats?.["the account's other charset"]?.body;
    if (other === undefined) throw new RangeError(`${ctx.provider.id} has no other charset`);
    const sealed = postback.seal(event.body, key);
    const reencoded = other(sealed, ctx.random);
    // Text the other charset cannot hold is re-encoded as lower-case escapes instead: same text, other bytes still.
    if (!sameBytes(reencoded, sealed)) return reencoded;
    const text = Buffer.from(sealed).toString('latin1');
    return Buffer.from(
      text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      'latin1',
    );
  },
  'fields reordered': (_ctx, event, postback, key) => {
    const sealed = postback.seal(event.body, key);
    const parts = Buffer.from(sealed).toString('latin1').split('&');
    const [first, second, ...rest] = parts;
    const swapped = first === undefined || second === undefined ? parts : [second, first, ...rest];
    return Buffer.from(swapped.join('&'), 'latin1');
  },
};

/** The names of the postback forgeries a provider can be sent (PayPal: all of them). */
export function postbackForgeryNames(ctx: Pick<SigningContext, 'provider'>): string[] {
  const { provider } = ctx;
  if (provider.postback === undefined) return [];
  return Object.keys(forgeries).filter(
    (name) =>
      (name !== 'receiver_email changed after sending' || provider.payTo !== undefined) &&
      (name !== 'mc_gross changed after sending' || provider.tamper !== undefined) &&
      (!name.startsWith('re-encoded') || provider.reformats?.["the account's other charset"] !== undefined),
  );
}

/**
 * One named forgery of an IPN for a postback provider. The gateway answers `INVALID` to its bytes; a receiver may
 * answer 2xx or 4xx (PayPal ignores the answer to a message it never sent), but must not apply it.
 */
export function postbackForgery(ctx: SigningContext, name: string, event: GatewayEvent): Delivery {
  const postback = ctx.provider.postback;
  const forge = forgeries[name];
  if (postback === undefined || ctx.gatewayKey === undefined || forge === undefined) {
    throw new RangeError(
      `no postback forgery "${name}" for ${ctx.provider.id}; known: ${postbackForgeryNames(ctx).join(', ')}`,
    );
  }
  return deliveryOf(ctx, event, {
    unsignedBody: forge(ctx, event, postback, ctx.gatewayKey),
    fault: { kind: 'forged', detail: name },
    expect: 'survive',
  });
}

/**
 * A genuine IPN paid to another merchant account: the gateway did send it (it answers `VERIFIED`), but it is not this
 * receiver's money — an attacker paid themselves and named the victim's order. Acknowledge it, never apply it.
 */
export function paidToAnotherAccount(ctx: SigningContext, event: GatewayEvent): Delivery {
  if (ctx.provider.payTo === undefined) throw new RangeError(`${ctx.provider.id} names no payee`);
  return deliveryOf(ctx, event, {
    body: ctx.provider.payTo(event.body, `other-merchant-${ctx.random.id(6)}@example.org`),
    fault: { kind: 'forged', detail: 'genuine IPN paid to another receiver_email' },
    expect: 'survive',
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
