import { IpnError } from '../contracts/errors.js';
import type { FactKind } from '../contracts/lifecycle.js';
import type { ReceiverProfile } from '../contracts/profile.js';
import type { BuiltEvent, EventFamily, Provider } from '../contracts/provider.js';

/** The id of the family a provider's `buildEvent` builds. */
export function defaultFamilyOf(provider: Pick<Provider, 'defaultFamily'>): string {
  return provider.defaultFamily ?? 'payments';
}

/** Every family id of a provider, its default first. */
export function familyIds(provider: Pick<Provider, 'defaultFamily' | 'families'>): string[] {
  return [defaultFamilyOf(provider), ...Object.keys(provider.families ?? {})];
}

/**
 * The provider as a receiver with this profile sees it: only the families it handles (by default the provider's
 * default family alone), each reduced to the facts it models, and every event carrying the order id where its code
 * reads it. Scenarios, the baseline and the canary plan with this provider, so nothing the receiver does not model is
 * sent as if it mattered. Unknown family ids are a usage error naming the known ones.
 */
export function applyProfile(provider: Provider, profile: ReceiverProfile | undefined): Provider {
  const known = familyIds(provider);
  const chosen = profile?.families ?? [defaultFamilyOf(provider)];
  const unknown = chosen.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `the profile names ${unknown.join(', ')}, not an event family of ${provider.title}; its families: ${known.join(', ')}.`,
      { hint: 'Set profile.families (or --families) to the families your receiver handles.' },
    );
  }
  const modelled = (kinds: readonly FactKind[]) =>
    profile?.facts === undefined ? kinds : kinds.filter((kind) => profile.facts?.includes(kind));
  const place = profile?.orderRef === undefined ? <T>(built: T) => built : placingOrderRef(profile.orderRef);
  const families = Object.fromEntries(
    Object.entries(provider.families ?? {})
      .filter(([id]) => chosen.includes(id))
      .map(([id, family]): [string, EventFamily] => [
        id,
        {
          title: family.title,
          factKinds: modelled(family.factKinds),
          buildEvents: (step, earlier) => {
            const built = family.buildEvents(step, earlier);
            return built === null ? null : built.map((b) => place(b, step.orderId));
          },
        },
      ]),
  );
  const withDefault = chosen.includes(defaultFamilyOf(provider));
  return {
    ...provider,
    ...(profile?.orderRef === undefined ? {} : { orderIdField: profile.orderRef }),
    factKinds: withDefault ? (modelled(provider.factKinds) as Provider['factKinds']) : [],
    families,
    buildEvent: (step) => place(provider.buildEvent(step), step.orderId),
  };
}

/** Writes the order id at a dotted path of every built event (a copy), where the receiver's code reads it. */
function placingOrderRef(path: string) {
  const keys = path.split('.').flatMap((part) => {
    const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    return match === null ? [part] : match[2] === undefined ? [match[1] ?? part] : [match[1] ?? part, Number(match[2])];
  });
  return <T extends BuiltEvent>(built: T, orderId: string): T => {
    const event = structuredClone(built.event) as Record<string | number, unknown>;
    setAt(event, keys, orderId);
    return { ...built, event };
  };
}

export function setAt(
  target: Record<string | number, unknown>,
  keys: readonly (string | number)[],
  value: unknown,
): void {
  let node: Record<string | number, unknown> = target;
  for (const [i, key] of keys.entries()) {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = typeof keys[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
}

/** Removes the value at a dotted path, if there is one (an event without its reference field). */
export function deleteAt(target: Record<string | number, unknown>, path: string): boolean {
  const keys = path.split('.').flatMap((part) => {
    const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    return match === null ? [part] : match[2] === undefined ? [match[1] ?? part] : [match[1] ?? part, Number(match[2])];
  });
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = keys.at(-1);
  if (typeof node !== 'object' || node === null || last === undefined || !(last in node)) return false;
  delete (node as Record<string | number, unknown>)[last];
  return true;
}

/** A profile in one line, for the console and the reports. */
export function describeProfile(provider: Provider, profile: ReceiverProfile | undefined): string {
  const parts = [
    `families ${(profile?.families ?? [defaultFamilyOf(provider)]).join(', ')}`,
    ...(profile?.facts === undefined ? [] : [`facts ${profile.facts.join(', ')}`]),
    `order id in ${profile?.orderRef ?? provider.orderIdField}`,
    ...(profile?.orderIds === undefined ? [] : [`${profile.orderIds} order ids`]),
    ...(profile?.currencies === undefined ? [] : [`currencies ${profile.currencies.join(', ')}`]),
    ...(profile?.statuses === undefined
      ? []
      : [
          `statuses ${Object.entries(profile.statuses)
            .map(([word, status]) => `${word}=${status}`)
            .join(', ')}`,
        ]),
  ];
  return parts.join('; ');
}
