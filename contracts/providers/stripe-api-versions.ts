import type { Reformat } from '../provider.js';
import { fromUtf8, utf8 } from '../wire.js';

/**
 * The same Stripe event rendered for another API version (`compat.reformat`). Stripe renders `data.object` with the
 * API version of the event (or of the endpoint), so a receiver sees older and newer shapes of the same fact.
 *
 * - Older, `2022-08-01`: before `2022-11-15` a PaymentIntent carried its charges as a list (`charges`), which that
 *   version removed in favour of `latest_charge` (docs.stripe.com/changelog/2022-11-15/removes-charges-attribute-
 *   paymentintent). The list is rendered next to `latest_charge`.
 * - Newer: a later release of the current major (the name is a placeholder in Stripe's format, not a checked
 *   release); backwards-compatible changes only add fields, so it renders fields the default rendering omits.
 *
 * Amounts, currency, status, ids and the order reference never change: the lifecycle fact is the same.
 */
export const STRIPE_OLDER_API_VERSION = '2022-08-01';
export const STRIPE_NEWER_API_VERSION = '2026-10-28.dahlia';

type Json = Record<string, unknown>;

function rendered(body: Uint8Array, apiVersion: string, object: (object: Json) => Json): Uint8Array {
  const event = JSON.parse(fromUtf8(body)) as Json;
  const data = isObject(event.data) ? event.data : {};
  const current = isObject(data.object) ? data.object : {};
  const next = { ...event, api_version: apiVersion, data: { ...data, object: object(current) } };
  return utf8(JSON.stringify(next, null, 2));
}

function withChargesList(pi: Json): Json {
  if (pi.object !== 'payment_intent') return pi;
  const charge =
    typeof pi.latest_charge === 'string'
      ? {
          id: pi.latest_charge,
          object: 'charge',
          amount: pi.amount,
          amount_captured: pi.status === 'succeeded' ? pi.amount : 0,
          amount_refunded: 0,
          currency: pi.currency,
          paid: pi.status === 'succeeded',
          refunded: false,
          status: pi.status === 'succeeded' ? 'succeeded' : 'failed',
          payment_intent: pi.id,
          metadata: pi.metadata,
        }
      : null;
  const list = charge === null ? [] : [charge];
  const { metadata, ...rest } = pi;
  return {
    ...rest,
    charges: {
      object: 'list',
      data: list,
      has_more: false,
      total_count: list.length,
      url: `/v1/charges?payment_intent=${String(pi.id)}`,
    },
    metadata,
  };
}

function withNewerFields(object: Json): Json {
  return object.object === 'payment_intent'
    ? { ...object, amount_details: { tip: {} }, payment_method_types: ['card'], processing: null }
    : { ...object, payment_method_details: { type: 'card' }, outcome: { network_status: 'approved_by_network' } };
}

export const stripeApiVersionReformats: Readonly<Record<string, Reformat>> = {
  [`older API version (${STRIPE_OLDER_API_VERSION})`]: {
    keeps: 'fact',
    body: (body) => rendered(body, STRIPE_OLDER_API_VERSION, withChargesList),
  },
  [`newer API version (${STRIPE_NEWER_API_VERSION})`]: {
    keeps: 'fact',
    body: (body) => rendered(body, STRIPE_NEWER_API_VERSION, withNewerFields),
  },
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
