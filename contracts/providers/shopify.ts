import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema, formatMinor, parseDecimal } from '../money.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { rejected, safeEqual, type VerifyResult } from '../verification.js';
import { fromUtf8, readHeader, utf8 } from '../wire.js';

/**
 * Shopify webhooks (docs/providers.md §6): the topic's REST resource as compact JSON with `/`, `&`, `<`, `>` escaped the
 * way Shopify's Rails encoder writes them (so a re-serialized body never matches), `X-Shopify-Hmac-Sha256: <base64>`
 * = HMAC-SHA256 of the raw body keyed with the app's client secret, no timestamp, dedupe on `X-Shopify-Event-Id`
 * (identical for every delivery of one event), topic and shop in `X-Shopify-Topic` / `X-Shopify-Shop-Domain`.
 *
 * The merchant's order reference is the order's `source_identifier` (the id of the order on the platform it came
 * from). `refunds/create` names the order only by Shopify's numeric `order_id`, which a receiver maps through its own
 * table; that is outside this project's order-id model, so refunds are validated and acknowledged but move no order.
 */
export const SHOPIFY_API_VERSION = '2026-01';
export const SHOPIFY_SHOP_DOMAIN = 'ipn-gauntlet-demo.myshopify.com';

const isoTimestamp = z.iso.datetime({ offset: true });
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal string such as "19.95"');
const money = z.looseObject({ amount: decimal, currency_code: CurrencySchema });

export const ShopifyOrderSchema = z.looseObject({
  id: z.number().int().positive(),
  admin_graphql_api_id: z.string().startsWith('gid://shopify/Order/'),
  name: z.string(),
  source_identifier: z.string().min(1),
  financial_status: z.enum([
    'pending',
    'authorized',
    'partially_paid',
    'paid',
    'partially_refunded',
    'refunded',
    'voided',
  ]),
  total_price: decimal,
  currency: CurrencySchema,
  total_price_set: z.looseObject({ shop_money: money, presentment_money: money }),
  cancelled_at: isoTimestamp.nullable(),
  cancel_reason: z.enum(['customer', 'declined', 'fraud', 'inventory', 'staff', 'other']).nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});

export const ShopifyRefundSchema = z.looseObject({
  id: z.number().int().positive(),
  order_id: z.number().int().positive(),
  created_at: isoTimestamp,
  transactions: z.array(z.looseObject({ kind: z.string(), amount: decimal, currency: CurrencySchema })),
});

/**
 * Any Shopify webhook body: a JSON object, the topic's resource (the topic, in a header, says which one; the event id is
 * a header too). Not every topic's resource has an `id` (the privacy topics carry `shop_id`), so none is required.
 */
export const ShopifyEnvelopeSchema = z.looseObject({});

/** The topic travels in `X-Shopify-Topic`; the bodies modelled here tell it apart by their own fields. */
export const ShopifyEventSchema = z.union([ShopifyOrderSchema, ShopifyRefundSchema]);
export type ShopifyEvent = z.infer<typeof ShopifyEventSchema>;

/** Rails' JSON encoding as Shopify sends it: compact, with `/ & < >` and the line separators escaped. */
export function shopifyJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('/', '\\/')
    .replaceAll('&', '\\u0026')
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export function shopifySignature(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** A stable number in Shopify's id range (13 digits) from a key. */
function numericId(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  return 5_000_000_000_000 + (digest.readUInt32BE(0) % 1_000_000) * 1_000_000 + (digest.readUInt32BE(4) % 1_000_000);
}

/** An RFC 4122-shaped id from a key, as Shopify's event and webhook ids look. */
function uuidOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Shopify writes times in the shop's zone; this demo shop is on UTC-05:00. */
function shopTime(seconds: number): string {
  return new Date((seconds - 5 * 3_600) * 1000).toISOString().replace(/\.\d{3}Z$/, '-05:00');
}

function order(step: PaymentStep): z.infer<typeof ShopifyOrderSchema> {
  const id = numericId(step.orderId);
  const total = formatMinor(step.amountMinor, step.currency);
  const price = { amount: total, currency_code: step.currency };
  const cancelled = step.kind === 'failed';
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${1000 + (id % 9000)}`,
    order_number: 1000 + (id % 9000),
    source_identifier: step.orderId,
    source_name: 'web',
    email: 'buyer@example.com',
    financial_status: step.kind === 'succeeded' ? 'paid' : step.kind === 'failed' ? 'voided' : 'pending',
    fulfillment_status: null,
    gateway: 'shopify_payments',
    payment_gateway_names: ['shopify_payments'],
    currency: step.currency,
    presentment_currency: step.currency,
    subtotal_price: total,
    total_tax: '0.00',
    total_discounts: '0.00',
    total_price: total,
    total_price_set: { shop_money: price, presentment_money: price },
    test: true,
    cancelled_at: cancelled ? shopTime(step.createdAt) : null,
    cancel_reason: cancelled ? 'declined' : null,
    order_status_url: `https://${SHOPIFY_SHOP_DOMAIN}/${id}/orders/${id.toString(16)}/authenticate?key=${id}`,
    created_at: shopTime(step.createdAt - 60),
    updated_at: shopTime(step.createdAt),
  };
}

/** The topic of a body, as the gateway that built it knows it. */
function topicOfBody(body: Uint8Array): string {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(body));
  } catch {
    return 'orders/updated';
  }
  if (typeof value !== 'object' || value === null) return 'orders/updated';
  const fields = value as Record<string, unknown>;
  if ('order_id' in fields) return 'refunds/create';
  if (typeof fields.cancelled_at === 'string') return 'orders/cancelled';
  if (fields.financial_status === 'paid') return 'orders/paid';
  return 'financial_status' in fields ? 'orders/create' : 'orders/updated';
}

export const shopify = defineProvider<ShopifyEvent>({
  id: 'shopify',
  title: 'Shopify',
  route: 'shopify',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed'],
  multipleSignatures: false,
  secretEnv: 'SHOPIFY_API_SECRET',
  orderIdField: 'source_identifier (orders/*)',
  eventIdSource: 'the X-Shopify-Event-Id header, identical for every delivery of one event',
  tolerance: null,
  // 1 s to connect, 5 s in all ([2nd] docs/providers.md §6.4).
  timeoutMs: 5_000,
  // 8 retries over 4 hours with exponential backoff (Shopify changelog 2024-09-10); intervals UNCONFIRMED.
  retryScheduleSeconds: [60, 120, 300, 600, 1_200, 2_400, 4_800, 4_800],
  secret: {
    format: "the app's client secret (API secret key) as the Partner Dashboard shows it",
    problem: (secret) =>
      secret.length === 0
        ? 'the secret is empty'
        : secret.trim() !== secret
          ? 'the secret has leading or trailing whitespace'
          : null,
    generate: (bytes) => `shpss_${Buffer.from(bytes).toString('hex').slice(0, 32)}`,
  },
  envelopeSchema: ShopifyEnvelopeSchema,
  eventSchema: ShopifyEventSchema,
  baseHeaders: {
    'content-type': 'application/json',
    'user-agent': 'Shopify-Captain-Hook',
    'x-shopify-shop-domain': SHOPIFY_SHOP_DOMAIN,
    'x-shopify-api-version': SHOPIFY_API_VERSION,
  },
  signatureHeaders: ['x-shopify-hmac-sha256'],
  malformations: {
    'hex instead of base64': (h) => ({
      ...h,
      'x-shopify-hmac-sha256': Buffer.from(h['x-shopify-hmac-sha256'] ?? '', 'base64').toString('hex'),
    }),
    'truncated signature': (h) => ({
      ...h,
      'x-shopify-hmac-sha256': (h['x-shopify-hmac-sha256'] ?? '').slice(0, -8),
    }),
    'non-base64 signature': (h) => ({ ...h, 'x-shopify-hmac-sha256': '!!!not-base64!!!' }),
  },
  tamper(body) {
    const value = JSON.parse(fromUtf8(body)) as { total_price?: string; currency?: string };
    const minor = parseDecimal(value.total_price ?? '', value.currency ?? 'USD');
    if (minor === null) throw new Error('no total_price to change in the Shopify body');
    value.total_price = formatMinor(minor + 100, value.currency ?? 'USD');
    return utf8(shopifyJson(value));
  },
  buildEvent(step) {
    if (step.kind !== 'pending' && step.kind !== 'succeeded' && step.kind !== 'failed') {
      throw new RangeError(`Shopify webhooks here do not model ${step.kind} steps`);
    }
    return { event: order(step), eventId: uuidOf(`event:${step.eventKey}`) };
  },
  encode: (event) => utf8(shopifyJson(event)),
  sign({ body, secrets, timestamp, eventId, deliveryId }) {
    const secret = secrets.at(-1) ?? '';
    return {
      'x-shopify-topic': topicOfBody(body),
      'x-shopify-hmac-sha256': shopifySignature(secret, body),
      'x-shopify-webhook-id': uuidOf(`delivery:${deliveryId ?? `${eventId}:${timestamp}`}`),
      'x-shopify-event-id': eventId,
      'x-shopify-triggered-at': new Date(timestamp * 1000).toISOString(),
    };
  },
  verify({ body, headers, secret }): VerifyResult {
    const header = readHeader(headers, 'x-shopify-hmac-sha256');
    if (header === undefined || header === '') return rejected('missing_signature', 'no X-Shopify-Hmac-Sha256 header');
    if (typeof header !== 'string') return rejected('malformed_signature', 'X-Shopify-Hmac-Sha256 header sent twice');
    if (!/^[A-Za-z0-9+/]{43}=$/.test(header)) {
      return rejected('malformed_signature', 'X-Shopify-Hmac-Sha256 is not the base64 of 32 bytes');
    }
    if (!safeEqual(shopifySignature(secret, body), header)) {
      return rejected('no_matching_signature', 'the signature does not match the payload');
    }
    return { ok: true };
  },
  eventId: (_envelope, headers) => {
    const id = readHeader(headers, 'x-shopify-event-id');
    return typeof id === 'string' && id.length > 0 ? id : null;
  },
  toFact(event, eventId) {
    if ('order_id' in event) return null;
    const amountMinor = parseDecimal(event.total_price, event.currency);
    if (amountMinor === null) return null;
    const base = {
      eventId,
      orderId: event.source_identifier,
      amountMinor,
      currency: event.currency,
      occurredAt: Math.floor(Date.parse(event.updated_at) / 1000),
    };
    if (event.cancelled_at !== null) return { ...base, kind: 'failed' };
    if (event.financial_status === 'paid') return { ...base, kind: 'succeeded' };
    if (event.financial_status === 'pending' || event.financial_status === 'authorized') {
      return { ...base, kind: 'pending' };
    }
    return null;
  },
});
