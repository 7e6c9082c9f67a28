import type { z } from 'zod';
import { decodeBody } from '../contracts/decode.js';
import { type LifecycleFact, LifecycleFactSchema } from '../contracts/lifecycle.js';
import type { Provider } from '../contracts/provider.js';

/** What an inbox row means for the orders: a fact to apply, nothing (an event type nobody models), or a dead letter. */
export type Interpretation =
  | { readonly kind: 'fact'; readonly fact: LifecycleFact }
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'dead'; readonly reason: string };

/**
 * Reads a stored, verified event with the provider's event schema. An event type the schema does not know is
 * acknowledged and ignored; an event of a known type that fails the schema can never be applied: a dead letter.
 */
export function interpretEvent(provider: Provider, eventId: string, body: Uint8Array): Interpretation {
  const decoded = decodeBody(provider, body, {});
  if (!decoded.ok) return { kind: 'dead', reason: `the stored body cannot be read: ${decoded.reason}` };
  const json = decoded.value;
  const parsed = provider.eventSchema.safeParse(json);
  if (!parsed.success) {
    const type = typeOf(json);
    if (!isKnownType(provider.eventSchema, type))
      return { kind: 'ignore', reason: `event type "${type}" not modelled` };
    return {
      kind: 'dead',
      reason: `a ${type} event that fails the ${provider.title} schema: ${describe(parsed.error)}`,
    };
  }
  const fact = provider.toFact(parsed.data, eventId);
  if (fact === null) return { kind: 'ignore', reason: 'the event does not move an order' };
  const checked = LifecycleFactSchema.safeParse(fact);
  if (!checked.success)
    return { kind: 'dead', reason: `the event yields an unusable fact: ${describe(checked.error)}` };
  return { kind: 'fact', fact: checked.data };
}

function typeOf(json: unknown): string {
  if (typeof json !== 'object' || json === null) return '(none)';
  const type = (json as { type?: unknown }).type;
  return typeof type === 'string' ? type : '(none)';
}

/**
 * Whether the schema models events of this type: the discriminator values of a discriminated union on `type`.
 * A schema that does not expose them counts every type as known, so a failing event is kept, never dropped.
 */
function isKnownType(schema: z.ZodType, type: string): boolean {
  const known = schema._zod.propValues?.type;
  return known === undefined || known.has(type);
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
