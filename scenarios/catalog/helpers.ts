import { IpnError } from '../../contracts/errors.js';
import type { Provider } from '../../contracts/provider.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { canPlay, type LifecycleKind } from '../../simulator/world.js';

/** The newest event of an order (its payment's success for a `paid` order). */
export function lastEvent(events: readonly GatewayEvent[]): GatewayEvent {
  const last = events.at(-1);
  if (last === undefined) throw new Error('an order without events has no last event');
  return last;
}

/** Lifecycles that end with the receiver having applied something, best first: payments, then subscriptions. */
const GENUINE: readonly LifecycleKind[] = ['paid', 'paid-directly', 'subscription-renewed', 'subscription-activated'];

/**
 * The lifecycles of a scenario the provider (as the receiver's profile leaves it) can play: the preferred ones, else
 * the first genuine lifecycle it can play, so a receiver that models only part of a gateway's facts is still tested
 * on what it models.
 */
export function lifecyclesFor(
  provider: Pick<Provider, 'factKinds' | 'families'>,
  preferred: readonly LifecycleKind[],
): LifecycleKind[] {
  const kinds = preferred.filter((kind) => canPlay(provider, kind));
  return kinds.length > 0 ? kinds : [genuineLifecycle(provider)];
}

/** One lifecycle the receiver applies, for a scenario's plain orders (a paid order where payments are modelled). */
export function genuineLifecycle(provider: Pick<Provider, 'factKinds' | 'families'>): LifecycleKind {
  const kind = GENUINE.find((k) => canPlay(provider, k));
  if (kind === undefined) {
    throw new IpnError('IPN_ERR_USAGE', 'the receiver profile leaves no payment or subscription lifecycle to play.', {
      hint: 'Give profile.facts and profile.families that include a successful payment or a subscription.',
    });
  }
  return kind;
}
