import { didYouMean } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';
import type { LifecycleStep, Provider } from '../../contracts/provider.js';
import { isProviderId, providerFamilies } from '../../contracts/providers/index.js';
import { builtEvents } from '../../simulator/events.js';
import type { Random } from '../../simulator/random.js';
import { canPlay, createWorld, lifecycleKinds } from '../../simulator/world.js';

/** One event `trigger` can send: its type as the provider names it, the family it belongs to, and how to build it. */
export interface TriggerEvent {
  readonly type: string;
  readonly family: string;
  readonly eventId: string;
  readonly orderId: string;
  /** The event as the provider builds it, before `encode`: what `--set` changes. */
  readonly event: unknown;
  /** The provider (with this event's family) whose `encode` turns the event into its wire bytes. */
  readonly provider: Provider;
}

/**
 * The event type of a built event: the field the provider names its types in (`type`, Paddle's `event_type`,
 * Razorpay's `event`), else an object's own `type`, else the fact its step stands for (`succeeded`, `refunded`…),
 * for gateways whose events carry no type field (PayPal IPN, Adyen, Mollie…).
 */
function typeOf(provider: Provider, event: unknown, step: LifecycleStep): string {
  const path = provider.unhandledEventType?.path ?? 'type';
  const value = readPath(event, path.split('.'));
  return typeof value === 'string' && value !== '' ? value : step.kind;
}

function readPath(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The provider with one family of events, or only its default one. */
function familyVariants(provider: Provider): { readonly family: string; readonly provider: Provider }[] {
  const families = { ...(isProviderId(provider.id) ? providerFamilies[provider.id] : {}), ...provider.families };
  const { families: _all, ...bare } = provider;
  return [
    { family: provider.defaultFamily ?? 'payments', provider: bare },
    ...Object.entries(families).map(([family, events]) => ({
      family,
      provider: { ...bare, families: { [family]: events } },
    })),
  ];
}

/**
 * Every event type a provider's gateway sends in the simulator's world, each built once (the first order whose
 * lifecycle has it), family by family: the default family's first, then the others'. The ids are fresh for `runId`.
 */
export function triggerEvents(
  provider: Provider,
  options: { readonly random: Random; readonly runId: string; readonly nowSeconds: number; readonly payee?: string },
): TriggerEvent[] {
  const found = new Map<string, TriggerEvent>();
  for (const variant of familyVariants(provider)) {
    const world = createWorld({
      random: options.random.fork(variant.family),
      runId: options.runId,
      startSeconds: options.nowSeconds - 3_600,
      ...(options.payee === undefined ? {} : { payee: options.payee }),
    });
    for (const lifecycle of lifecycleKinds) {
      if (!canPlay(variant.provider, lifecycle)) continue;
      const order = world.order(lifecycle);
      order.steps.forEach((step, i) => {
        for (const { event, eventId } of builtEvents(variant.provider, step, order.steps.slice(0, i))) {
          const type = typeOf(variant.provider, event, step);
          if (found.has(type)) continue;
          found.set(type, { type, eventId, orderId: order.orderId, event, ...variant });
        }
      });
    }
  }
  return [...found.values()];
}

/** The event of the named type, or an error listing the provider's types (and the closest to what was typed). */
export function pickEvent(events: readonly TriggerEvent[], type: string, provider: Provider): TriggerEvent {
  const event = events.find((e) => e.type === type);
  if (event !== undefined) return event;
  const types = events.map((e) => e.type);
  throw new IpnError(
    'IPN_ERR_UNKNOWN_EVENT_TYPE',
    `${provider.title} has no event type "${type}" here.${didYouMean(type, types)} Event types: ${types.join(', ')}.`,
  );
}
