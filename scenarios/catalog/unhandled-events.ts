import type { Provider } from '../../contracts/provider.js';
import { eventsOf, type GatewayEvent } from '../../simulator/events.js';
import { deliveryOf } from '../../simulator/plan.js';
import { defineScenario } from '../define.js';
import { deleteAt, setAt } from '../profile.js';
import { genuineLifecycle } from './helpers.js';

/** A dotted path from the body's root (`data.object.metadata.order_id`, `notificationItems[0]…`), not a description. */
const DOTTED_PATH = /^[A-Za-z_$][\w$-]*(\[\d+\])?(\.[A-Za-z_$][\w$-]*(\[\d+\])?)*$/;

/** The event's JSON body changed by `edit` (false: no such field); null when it is not JSON or has no such field. */
function edited(event: GatewayEvent, edit: (body: Record<string | number, unknown>) => boolean): Uint8Array | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(event.body).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || !edit(body as Record<string | number, unknown>)) return null;
  return new TextEncoder().encode(JSON.stringify(body));
}

/**
 * The event's JSON body without the order reference: every field holding the order id (a family may carry it twice,
 * Checkout's client_reference_id and metadata.order_id), and the paths removed; null when `path` holds none.
 */
function withoutReference(event: GatewayEvent, path: string): { body: Uint8Array; removed: string[] } | null {
  const removed: string[] = [];
  const strip = (node: unknown, at: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      const here = Array.isArray(node) ? `${at}[${key}]` : at === '' ? key : `${at}.${key}`;
      if (value === event.orderId) {
        delete (node as Record<string, unknown>)[key];
        removed.push(here);
      } else strip(value, here);
    }
  };
  const body = edited(event, (json) => {
    if (!deleteAt(structuredClone(json), path)) return false;
    strip(json, '');
    return removed.length > 0;
  });
  return body === null ? null : { body, removed };
}

/** The event under another type, one no payment receiver handles; null when its type is not at `path`. */
function underType(event: GatewayEvent, type: { readonly path: string; readonly value: string }): Uint8Array | null {
  return edited(event, (body) => {
    if (!deleteAt(body, type.path)) return false;
    setAt(body, type.path.split('.'), type.value);
    return true;
  });
}

/**
 * Whether the envelope every event of the gateway has allows the event without its reference: where the field is always there (Adyen's
 * merchantReference), an event without it is not one the gateway sends, and is left out.
 */
function gatewaySends(provider: Provider, body: Uint8Array): boolean {
  return (provider.split?.(body) ?? [body]).every((part) => {
    try {
      return provider.envelopeSchema.safeParse(JSON.parse(Buffer.from(part).toString('utf8'))).success;
    } catch {
      return false;
    }
  });
}

/** Where the order reference is on the wire: a JSON body and a path to it. */
function referencePath(provider: Provider): string | null {
  const json = (provider.baseHeaders['content-type'] ?? '').includes('json');
  return json && DOTTED_PATH.test(provider.orderIdField) ? provider.orderIdField : null;
}

/**
 * Genuine, correctly signed events a receiver cannot use, as every gateway sends them: events for an order it never
 * created (another integration's, a deleted one's, one made in the dashboard), events without the field it finds its
 * order by (a payment created outside checkout, without metadata), and events of a type it does not handle (Stripe's
 * customer.created; the provider's `unhandledEventType`). Each must be answered 2xx, and the orders they name or were
 * made from must not change.
 */
export const compatUnhandledEvents = defineScenario({
  guarantee: 'compat.unhandled-events',
  judgement: 'rule',
  diagnosis:
    'Answer 2xx to a genuine event you cannot use (no such order, no order reference, a type you do not handle) and ' +
    'log or park it; a 4xx or 5xx makes the gateway retry it for days and may disable the endpoint. Look up the ' +
    'order with a query that may find none, and read the reference field as optional.',
  // Signature schemes only: a postback or fetch receiver asks the gateway about each event, which knows these too, but
  // the fake gateway's ledger does not serve events for orders outside the run yet.
  appliesTo: (provider) => provider.authentication === 'signature',
  plan({ provider, world, signing }) {
    const lifecycle = genuineLifecycle(provider);
    // Never created by the probe: the receiver has never heard of this order.
    const unknown = world.order(lifecycle);
    const unknownEvents = eventsOf(provider, unknown);
    const path = referencePath(provider);
    const orphan = path === null ? null : world.order(lifecycle);
    const orphanEvents = orphan === null || path === null ? [] : eventsOf(provider, orphan);
    const stripped = orphanEvents.flatMap((event) => {
      const without = path === null ? null : withoutReference(event, path);
      return without === null || !gatewaySends(provider, without.body) ? [] : [{ event, ...without }];
    });
    // A known order's events under a type the receiver does not handle: acknowledged, and the order unchanged.
    const type = provider.unhandledEventType;
    const untyped = type === undefined ? null : world.order(lifecycle);
    const retyped = (untyped === null || type === undefined ? [] : eventsOf(provider, untyped)).flatMap((event) => {
      const body = type === undefined ? null : underType(event, type);
      return body === null ? [] : [{ event, body }];
    });
    return {
      orders: [
        ...(orphan === null || stripped.length === 0 ? [] : [orphan]),
        ...(untyped === null || retyped.length === 0 ? [] : [untyped]),
      ],
      phases: [
        {
          name: `events for an order the receiver does not know (${unknown.orderId})`,
          steps: unknownEvents.map((event) => [
            deliveryOf(signing, event, { fault: { kind: 'unusable', detail: 'an order the receiver does not know' } }),
          ]),
          applied: [],
        },
        ...(stripped.length === 0
          ? []
          : [
              {
                name: `events of ${orphan?.orderId} without their order reference`,
                steps: stripped.map(({ event, body, removed }) => [
                  deliveryOf(signing, event, {
                    body,
                    fault: { kind: 'unusable', detail: `without ${removed.join(', ')}` },
                  }),
                ]),
                applied: [],
              },
            ]),
        ...(retyped.length === 0 || type === undefined
          ? []
          : [
              {
                name: `events of ${untyped?.orderId} as ${type.value}, a type the receiver does not handle`,
                steps: retyped.map(({ event, body }) => [
                  deliveryOf(signing, event, { body, fault: { kind: 'unusable', detail: `type ${type.value}` } }),
                ]),
                applied: [],
              },
            ]),
      ],
    };
  },
});
