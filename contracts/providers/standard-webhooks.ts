import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema } from '../money.js';
import { defineProvider } from '../provider.js';
import { checkTimestamp, rejected, safeEqual, type VerifyResult } from '../verification.js';
import { readHeader } from '../wire.js';
import {
  type StandardSubscriptionEvent,
  standardSubscriptionEventSchemas,
  standardSubscriptionFact,
  standardSubscriptionFamily,
} from './standard-webhooks-subscriptions.js';

/**
 * Standard Webhooks (standardwebhooks.com; Svix and others): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64> [v1,<base64>…]`, HMAC-SHA256 over `${id}.${timestamp}.${rawBody}` keyed with the
 * base64-decoded part of `whsec_…`, ±300 s tolerance, dedupe on `webhook-id` (identical across retries).
 * The payload family modelled here: `payment.pending|succeeded|failed|refunded` with the order id in `data.order_id`
 * and amounts in minor units. The subscription flavour (`standardWebhooksFamilies`, standard-webhooks-subscriptions.ts)
 * is read by the same schema and `toFact`, and sent when a receiver's profile names it.
 */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;

const isoTimestamp = z.iso.datetime({ offset: true });

export const StandardEnvelopeSchema = z.looseObject({
  type: z.string().min(1),
  timestamp: isoTimestamp,
  data: z.looseObject({}),
});

const paymentData = z.looseObject({
  payment_id: z.string().min(1),
  order_id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: CurrencySchema,
});

const paymentEvent = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.looseObject({ type: z.literal(type), timestamp: isoTimestamp, data });

export const StandardPaymentEventSchema = z.discriminatedUnion('type', [
  paymentEvent('payment.pending', paymentData),
  paymentEvent('payment.succeeded', paymentData),
  paymentEvent('payment.failed', paymentData.extend({ failure_reason: z.string() })),
  paymentEvent(
    'payment.refunded',
    paymentData.extend({
      refund_id: z.string().min(1),
      refund_amount: z.number().int().positive(),
      amount_refunded: z.number().int().nonnegative(),
    }),
  ),
]);
export type StandardPaymentEvent = z.infer<typeof StandardPaymentEventSchema>;

/** Every event modelled here: payments and the subscription flavour's. */
export const StandardEventSchema = z.discriminatedUnion('type', [
  ...StandardPaymentEventSchema.options,
  ...standardSubscriptionEventSchemas,
]);
export type StandardEvent = StandardPaymentEvent | StandardSubscriptionEvent;

export const standardWebhooksFamilies = { subscription: standardSubscriptionFamily } as const;

/** The HMAC key: the base64 part after `whsec_` (the prefix is optional, as in the official library). */
export function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function standardSignature(secret: string, id: string, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', standardKey(secret)).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');
}

/** `v1,<b64> v1a,<b64> …` → every v1 signature, in header order. */
export function v1Signatures(header: string): string[] {
  return header
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version]) => version === 'v1')
    .map(([, value]) => value ?? '');
}

export const standardWebhooks = defineProvider<StandardEvent>({
  id: 'standard-webhooks',
  title: 'Standard Webhooks',
  route: 'standard',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: true,
  secretEnv: 'STANDARD_WEBHOOKS_SECRET',
  orderIdField: 'data.order_id',
  unhandledEventType: { path: 'type', value: 'customer.created' },
  eventIdSource: 'the webhook-id header (msg_…), identical across retries',
  tolerance: { past: STANDARD_WEBHOOKS_TOLERANCE_SECONDS, future: STANDARD_WEBHOOKS_TOLERANCE_SECONDS },
  timeoutMs: 15_000,
  // Svix: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (each after the previous failure).
  retryScheduleSeconds: [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
  secret: {
    format: 'whsec_ followed by base64 of 24 to 64 random bytes',
    problem(secret) {
      if (secret.trim() !== secret) return 'the secret has leading or trailing whitespace';
      const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return 'the part after whsec_ is not base64';
      const bytes = Buffer.from(body, 'base64').length;
      return bytes < 24 || bytes > 64 ? `the key is ${bytes} bytes; Standard Webhooks keys are 24 to 64 bytes` : null;
    },
    generate: (bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`,
  },
  envelopeSchema: StandardEnvelopeSchema,
  eventSchema: StandardEventSchema,
  baseHeaders: { 'content-type': 'application/json', 'user-agent': 'Svix-Webhooks/1.0' },
  signatureHeaders: ['webhook-signature'],
  malformations: {
    'non-base64 signature': (h) => ({ ...h, 'webhook-signature': 'v1,!!!not-base64!!!' }),
    'truncated signature': (h) => ({ ...h, 'webhook-signature': (h['webhook-signature'] ?? '').slice(0, 20) }),
    'wrong version prefix (v2)': (h) => ({
      ...h,
      'webhook-signature': (h['webhook-signature'] ?? '').replaceAll('v1,', 'v2,'),
    }),
    'missing webhook-timestamp': (h) => {
      const { 'webhook-timestamp': _dropped, ...rest } = h;
      return rest;
    },
  },
  defaultFamily: 'payment',
  buildEvent(step) {
    const base = {
      payment_id: `pay_${step.paymentKey}`,
      order_id: step.orderId,
      amount: step.amountMinor,
      currency: step.currency,
    };
    const timestamp = new Date(step.createdAt * 1000).toISOString();
    const eventId = `msg_${step.eventKey}`;
    switch (step.kind) {
      case 'pending':
        return { eventId, event: { type: 'payment.pending', timestamp, data: base } };
      case 'succeeded':
        return { eventId, event: { type: 'payment.succeeded', timestamp, data: base } };
      case 'failed':
        return {
          eventId,
          event: { type: 'payment.failed', timestamp, data: { ...base, failure_reason: 'card_declined' } },
        };
      case 'reversed':
      case 'reversal_canceled':
        throw new RangeError(`Standard Webhooks payment events here do not model ${step.kind} steps`);
      case 'refunded': {
        const refund = step.refund ?? {
          key: step.eventKey,
          amountMinor: step.amountMinor,
          cumulativeMinor: step.amountMinor,
        };
        return {
          eventId,
          event: {
            type: 'payment.refunded',
            timestamp,
            data: {
              ...base,
              refund_id: `ref_${refund.key}`,
              refund_amount: refund.amountMinor,
              amount_refunded: refund.cumulativeMinor,
            },
          },
        };
      }
    }
  },
  encode: (event) => new TextEncoder().encode(JSON.stringify(event)),
  sign({ body, secrets, timestamp, eventId }) {
    return {
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': secrets.map((s) => `v1,${standardSignature(s, eventId, timestamp, body)}`).join(' '),
    };
  },
  verify({ body, headers, secret, nowSeconds }): VerifyResult {
    const id = readHeader(headers, 'webhook-id');
    const ts = readHeader(headers, 'webhook-timestamp');
    const sig = readHeader(headers, 'webhook-signature');
    if (sig === undefined || sig === '') return rejected('missing_signature', 'no webhook-signature header');
    if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') {
      return rejected(
        'malformed_signature',
        'webhook-id, webhook-timestamp and webhook-signature must each appear once',
      );
    }
    if (!/^\d+$/.test(ts)) return rejected('malformed_signature', 'webhook-timestamp is not unix seconds');
    const timestamp = Number(ts);
    const candidates = v1Signatures(sig);
    if (candidates.length === 0) return rejected('malformed_signature', 'no v1 signature in webhook-signature');
    const expected = standardSignature(secret, id, timestamp, body);
    if (!candidates.some((candidate) => safeEqual(expected, candidate))) {
      return rejected('no_matching_signature', 'no v1 signature matches the payload');
    }
    return checkTimestamp(timestamp, nowSeconds, {
      past: STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
      future: STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
    });
  },
  eventId: (_envelope, headers) => {
    const id = readHeader(headers, 'webhook-id');
    return typeof id === 'string' && id.length > 0 ? id : null;
  },
  toFact(event, eventId) {
    if (!isPaymentEvent(event)) return standardSubscriptionFact(event, eventId);
    const d = event.data;
    const base = {
      eventId,
      orderId: d.order_id,
      amountMinor: d.amount,
      currency: d.currency,
      occurredAt: Math.floor(Date.parse(event.timestamp) / 1000),
    };
    switch (event.type) {
      case 'payment.pending':
        return { ...base, kind: 'pending' };
      case 'payment.succeeded':
        return { ...base, kind: 'succeeded' };
      case 'payment.failed':
        return { ...base, kind: 'failed' };
      case 'payment.refunded':
        return {
          ...base,
          kind: 'refunded',
          refund: { id: event.data.refund_id, cumulativeMinor: event.data.amount_refunded },
        };
    }
  },
});

function isPaymentEvent(event: StandardEvent): event is StandardPaymentEvent {
  return event.type.startsWith('payment.');
}
