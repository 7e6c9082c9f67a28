import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema } from '../money.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { rejected, safeEqual, type VerifyResult } from '../verification.js';
import { fromUtf8, readHeader, utf8 } from '../wire.js';

/**
 * X (Twitter) Account Activity webhooks (docs/providers.md §7): JSON POSTs keyed by activity (`for_user_id` plus one of
 * `tweet_create_events`, `direct_message_events`, …), `x-twitter-webhooks-signature: sha256=<base64>` = HMAC-SHA256
 * of the raw body keyed with the app's consumer (API) secret, no timestamp, no delivery id: dedupe on the inner
 * object's id. The same URL answers the CRC challenge: `GET ?crc_token=T` → `{"response_token": "sha256=" +
 * base64(HMAC-SHA256(consumer secret, T))}` within 3 s.
 *
 * X has no payment events. The closest real event that carries an app's own reference is a direct message whose
 * quick-reply answer echoes the `metadata` the app attached to the option (`message_data.quick_reply_response`):
 * an app that takes payments over DMs (the buyer picks "Pay 49.99 USD" in a quick reply) gets its order reference
 * back, signed by X. The payment step a message stands for is this project's convention, in that metadata as JSON
 * (`{"order_id","payment":"succeeded"|…,"amount_minor","currency","refund_id"?}`), not X's; the event identity is the
 * DM event's `id`, as docs/providers.md §7.3 says.
 */
export const X_APP_USER_ID = '1580000000000000001';
export const X_SOURCE_APP_ID = '13090192';

/** The CRC token shape a receiver answers: X's opaque tokens (a UUID in X's sample), base64 or base64url letters. */
const CRC_TOKEN = /^[A-Za-z0-9+/_=-]{1,256}$/;

const snowflake = z.string().regex(/^\d{1,20}$/, 'a numeric id string');

export const XPaymentMetadataSchema = z.object({
  order_id: z.string().min(1),
  payment: z.enum(['pending', 'succeeded', 'failed', 'refunded']),
  amount_minor: z.number().int().nonnegative(),
  currency: CurrencySchema,
  refund_id: z.string().min(1).optional(),
});
export type XPaymentMetadata = z.infer<typeof XPaymentMetadataSchema>;

const messageCreate = z.looseObject({
  type: z.literal('message_create'),
  id: snowflake,
  created_timestamp: z.string().regex(/^\d+$/, 'milliseconds since the epoch as a string'),
  message_create: z.looseObject({
    target: z.looseObject({ recipient_id: snowflake }),
    sender_id: snowflake,
    message_data: z.looseObject({
      text: z.string(),
      quick_reply_response: z.looseObject({ type: z.literal('options'), metadata: z.string() }).optional(),
    }),
  }),
});

/** Any Account Activity delivery: `for_user_id` and whatever activity arrays it carries. */
export const XEnvelopeSchema = z.looseObject({ for_user_id: snowflake });

/** The deliveries modelled here: one DM answered with a quick reply that carries payment metadata. */
export const XEventSchema = z.looseObject({
  for_user_id: snowflake,
  direct_message_events: z.tuple([messageCreate]),
});
export type XEvent = z.infer<typeof XEventSchema>;

/** `sha256=` + base64 HMAC-SHA256 under the consumer secret: the POST signature and the CRC answer alike. */
export function xSignature(consumerSecret: string, content: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', consumerSecret).update(content).digest('base64')}`;
}

/** The CRC answer for a token. */
export function crcResponse(token: string, consumerSecret: string): { response_token: string } {
  return { response_token: xSignature(consumerSecret, token) };
}

/** A stable snowflake-shaped id (19 digits) from a key. */
function snowflakeOf(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  return `1${String(digest.readUInt32BE(0)).padStart(10, '0')}${String(digest.readUInt32BE(4) % 100_000_000).padStart(8, '0')}`;
}

const wording: Record<XPaymentMetadata['payment'], string> = {
  pending: 'Pay later',
  succeeded: 'Pay now',
  failed: 'Cancel',
  refunded: 'Refund me',
};

function metadataOf(step: PaymentStep): XPaymentMetadata {
  if (step.kind === 'reversed' || step.kind === 'reversal_canceled') {
    throw new RangeError(`X payment messages here do not model ${step.kind} steps`);
  }
  if (step.kind === 'refunded') {
    const refund = step.refund ?? { key: step.eventKey, amountMinor: step.amountMinor, cumulativeMinor: 0 };
    return {
      order_id: step.orderId,
      payment: 'refunded',
      amount_minor: refund.amountMinor,
      currency: step.currency,
      refund_id: `rf_${snowflakeOf(`refund:${refund.key}`)}`,
    };
  }
  return { order_id: step.orderId, payment: step.kind, amount_minor: step.amountMinor, currency: step.currency };
}

export const x = defineProvider<XEvent>({
  id: 'x',
  title: 'X (Twitter) Account Activity',
  route: 'x',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'X_CONSUMER_SECRET',
  orderIdField: 'direct_message_events[0].message_create.message_data.quick_reply_response.metadata (order_id)',
  eventIdSource: 'the direct message event id (direct_message_events[0].id); X sends no delivery id',
  tolerance: null,
  // Enterprise: no answer within 3 s counts as a failure (docs/providers.md §7.4; v2 docs allow 10 s).
  timeoutMs: 3_000,
  // Enterprise: up to three retries over five minutes (docs/providers.md §7.4); the intervals are UNCONFIRMED.
  retryScheduleSeconds: [30, 90, 180],
  secret: {
    format: "the app's consumer secret (API key secret) as the developer portal shows it",
    problem: (secret) =>
      secret.length === 0
        ? 'the consumer secret is empty'
        : secret.trim() !== secret
          ? 'the consumer secret has leading or trailing whitespace'
          : null,
    generate: (bytes) => {
      const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      return Array.from({ length: 50 }, (_, i) => letters[((bytes[i % bytes.length] ?? 0) + i * 7) % 62]).join('');
    },
  },
  envelopeSchema: XEnvelopeSchema,
  eventSchema: XEventSchema,
  baseHeaders: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'X-Webhooks/1.0' },
  signatureHeaders: ['x-twitter-webhooks-signature'],
  malformations: {
    'no sha256= prefix': (h) => ({
      ...h,
      'x-twitter-webhooks-signature': (h['x-twitter-webhooks-signature'] ?? '').replace(/^sha256=/, ''),
    }),
    'hex instead of base64': (h) => ({
      ...h,
      'x-twitter-webhooks-signature': `sha256=${Buffer.from(
        (h['x-twitter-webhooks-signature'] ?? '').replace(/^sha256=/, ''),
        'base64',
      ).toString('hex')}`,
    }),
    'non-base64 signature': (h) => ({ ...h, 'x-twitter-webhooks-signature': 'sha256=!!!not-base64!!!' }),
  },
  tamper(body) {
    // The amount sits in the quick reply's metadata string: the buyer "paid" 1.00 more.
    const event = JSON.parse(fromUtf8(body)) as XEvent;
    const reply = event.direct_message_events[0].message_create.message_data.quick_reply_response;
    if (reply === undefined) throw new Error('no quick_reply_response to change in the X body');
    const metadata = JSON.parse(reply.metadata) as XPaymentMetadata;
    reply.metadata = JSON.stringify({ ...metadata, amount_minor: metadata.amount_minor + 100 });
    return utf8(JSON.stringify(event));
  },
  challenge: {
    query: 'crc_token',
    respond: crcResponse,
    tokenProblem: (token) =>
      CRC_TOKEN.test(token)
        ? null
        : 'a crc_token is a short opaque token (base64 or base64url letters, at most 256): anything else, such as an ' +
          'event body, must not be signed, or the CRC endpoint signs forged deliveries',
  },
  buildEvent(step) {
    const metadata = metadataOf(step);
    const id = snowflakeOf(`dm:${step.eventKey}`);
    const event: XEvent = {
      for_user_id: X_APP_USER_ID,
      direct_message_events: [
        {
          type: 'message_create',
          id,
          created_timestamp: String(step.createdAt * 1000),
          message_create: {
            target: { recipient_id: X_APP_USER_ID },
            sender_id: snowflakeOf(`buyer:${step.orderId}`),
            source_app_id: X_SOURCE_APP_ID,
            message_data: {
              text: wording[metadata.payment],
              entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
              quick_reply_response: { type: 'options', metadata: JSON.stringify(metadata) },
            },
          },
        },
      ],
    };
    return { event, eventId: id };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign({ body, secrets }) {
    return { 'x-twitter-webhooks-signature': xSignature(secrets.at(-1) ?? '', body) };
  },
  verify({ body, headers, secret }): VerifyResult {
    const header = readHeader(headers, 'x-twitter-webhooks-signature');
    if (header === undefined || header === '') {
      return rejected('missing_signature', 'no x-twitter-webhooks-signature header');
    }
    if (typeof header !== 'string') {
      return rejected('malformed_signature', 'x-twitter-webhooks-signature header sent twice');
    }
    if (!/^sha256=[A-Za-z0-9+/]{43}=$/.test(header)) {
      return rejected('malformed_signature', 'x-twitter-webhooks-signature is not sha256= and the base64 of 32 bytes');
    }
    if (!safeEqual(xSignature(secret, body), header)) {
      return rejected('no_matching_signature', 'the signature does not match the payload');
    }
    return { ok: true };
  },
  eventId: (envelope) => {
    const events = (envelope as { direct_message_events?: unknown }).direct_message_events;
    if (!Array.isArray(events) || events.length !== 1) return null;
    const id = (events[0] as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id.length > 0 ? id : null;
  },
  toFact(event, eventId) {
    const [dm] = event.direct_message_events;
    const reply = dm.message_create.message_data.quick_reply_response;
    if (reply === undefined) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(reply.metadata);
    } catch {
      return null;
    }
    const metadata = XPaymentMetadataSchema.safeParse(raw);
    if (!metadata.success) return null;
    const m = metadata.data;
    const base = {
      eventId,
      orderId: m.order_id,
      amountMinor: m.amount_minor,
      currency: m.currency,
      occurredAt: Math.floor(Number(dm.created_timestamp) / 1000),
    };
    if (m.payment !== 'refunded') return { ...base, kind: m.payment };
    if (m.refund_id === undefined || m.amount_minor === 0) return null;
    return { ...base, kind: 'refunded', refund: { id: m.refund_id, amountMinor: m.amount_minor } };
  },
});
