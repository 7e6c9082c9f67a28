import type { FetchApi } from '../../contracts/provider.js';
import { fromUtf8, utf8 } from '../../contracts/wire.js';
import type { GatewayEvent } from '../events.js';
import { type Delivery, deliveryOf, type SigningContext } from '../plan.js';

type FetchForgery = (ctx: SigningContext, event: GatewayEvent, api: FetchApi) => Uint8Array;

/** An id in the provider's shape (Mollie `tr_…`) that its gateway never issued. */
const neverIssued = (ctx: SigningContext) => `tr_${ctx.random.id(10)}`;

/**
 * Forgeries of a webhook that carries only an id (Mollie): ids the gateway never issued, and posted fields that lie.
 * The gateway answers 404 to every forged id, so a receiver that acts only on the object it fetched changes nothing;
 * one that trusts what was posted (`status=paid&amount[value]=…`) applies a payment that never happened.
 */
const forgeries: Readonly<Record<string, FetchForgery>> = {
  'an id the gateway never issued': (ctx) => utf8(new URLSearchParams({ id: neverIssued(ctx) }).toString()),
  'a genuine id with one character changed': (ctx, event) => ctx.provider.tamper?.(event.body) ?? event.body,
  "the payment's fields posted beside an id never issued, status claimed paid": (ctx, event, api) => {
    const id = api.idOf(event.body) ?? '';
    const genuine = api.lookup(id);
    const object: unknown = genuine === null ? {} : JSON.parse(fromUtf8(genuine));
    const posted: [string, string][] = [];
    flatten(object, '', posted);
    // The genuine payment's fields as posted by a forger: its own id replaced, refunds left out, the status a lie.
    const lying: [string, string][] = [
      ['id', neverIssued(ctx)],
      ...posted
        .filter(([name]) => name !== 'id' && !name.startsWith('amountRefunded') && !name.startsWith('amountRemaining'))
        .map(([name, value]): [string, string] => [name, name === 'status' ? 'paid' : value]),
    ];
    return utf8(new URLSearchParams(lying).toString());
  },
};

/** PHP-style bracket fields of an object's scalars (`amount[value]`), arrays and links left out. */
function flatten(value: unknown, prefix: string, into: [string, string][]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('_')) continue;
    const name = prefix === '' ? key : `${prefix}[${key}]`;
    if (typeof child === 'object' && child !== null) flatten(child, name, into);
    else if (child !== undefined) into.push([name, String(child)]);
  }
}

/** The names of the fetch forgeries a provider can be sent (none without a `fetch` API). */
export function fetchForgeryNames(provider: SigningContext['provider']): string[] {
  return provider.fetch === undefined ? [] : Object.keys(forgeries);
}

/**
 * One named forgery of a fetch provider's webhook. Expected `survive`: a receiver may answer an unknown id 200 (Mollie
 * advises it, so a prober learns nothing) or 4xx; it is judged on state, which must not change.
 */
export function fetchForgery(ctx: SigningContext, name: string, event: GatewayEvent): Delivery {
  const api = ctx.provider.fetch;
  const forge = forgeries[name];
  if (api === undefined || forge === undefined) {
    throw new RangeError(
      `no fetch forgery "${name}" for ${ctx.provider.id}; known: ${fetchForgeryNames(ctx.provider).join(', ')}`,
    );
  }
  return deliveryOf(ctx, event, {
    unsignedBody: forge(ctx, event, api),
    fault: { kind: 'forged', detail: name },
    expect: 'survive',
  });
}
