import { z } from 'zod';

/**
 * The Stripe event envelope every family shares (`evt_…`, `object: 'event'`, `api_version`, `data.object`), and how a
 * family builds one. `data.previous_attributes` is only on `*.updated` events (docs/decisions/0025-stripe-families.md).
 */
export const STRIPE_API_VERSION = '2026-07-29.dahlia';

export const envelopeShape = {
  id: z.string().startsWith('evt_'),
  object: z.literal('event'),
  api_version: z.string().nullable(),
  created: z.number().int(),
  livemode: z.boolean(),
  pending_webhooks: z.number().int().nonnegative(),
  request: z.looseObject({ id: z.string().nullable(), idempotency_key: z.string().nullable() }).nullable(),
  type: z.string().min(1),
};

/** The schema of one event type whose `data.object` is `object`. */
export const eventOf = <T extends string, O extends z.ZodType>(type: T, object: O) =>
  z.looseObject({
    ...envelopeShape,
    type: z.literal(type),
    data: z.looseObject({ object, previous_attributes: z.looseObject({}).optional() }),
  });

/**
 * Metadata as a lenient receiver reads it: any keys, the order reference possibly missing (an object made elsewhere,
 * a one-off invoice). Only `order_id` is read, so keys it does not know (of any type) never fail the event.
 */
export const stripeMetadata = z.looseObject({ order_id: z.string().optional() });

/** The order id a metadata hash carries, if any. */
export function metadataOrderId(
  metadata: { readonly order_id?: string | undefined } | null | undefined,
): string | null {
  const value = metadata?.order_id;
  return value === undefined || value === '' ? null : value;
}

/** An automatic event (no API request behind it) of `type` about `object`, as Stripe sends it to one endpoint. */
export function stripeEvent<T extends string, O>(
  type: T,
  id: string,
  created: number,
  object: O,
  previousAttributes?: Record<string, unknown>,
) {
  return {
    id,
    object: 'event' as const,
    api_version: STRIPE_API_VERSION,
    created,
    data: previousAttributes === undefined ? { object } : { object, previous_attributes: previousAttributes },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}
