import type { LifecycleFact } from '../lifecycle.js';
import { parseDecimal } from '../money.js';
import { defineProvider } from '../provider.js';
import { rejected } from '../verification.js';
import { fromUtf8, utf8 } from '../wire.js';
import {
  MOLLIE_ID_PATTERN,
  MolliePaymentEnvelopeSchema,
  type MolliePaymentObject,
  MolliePaymentSchema,
  molliePayment,
  molliePaymentId,
} from './mollie-payment.js';

/**
 * Mollie classic webhooks (docs/providers.md §12): `POST` `application/x-www-form-urlencoded` with the single field
 * `id=tr_…`, no signature by design. A receiver fetches the payment, `GET /v2/payments/{id}` with its API key as a
 * Bearer token (the "secret" of a Mollie receiver), and acts on the fetched object only; posted fields besides `id`
 * are ignored. The fetched payment object is the event: the order id travels in `metadata.order_id`, and a receiver
 * dedupes on payment id + fetched status + amount refunded (one payment changes status several times, and refunds
 * keep it `paid`). See docs/decisions/0019-mollie-fetch.md.
 */
const API_KEY_PATTERN = /^(test|live)_[A-Za-z0-9]{30,}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The payment id a webhook body names, or null when it names none (only the first `id` field counts). */
function postedId(body: Uint8Array): string | null {
  let id: string | null;
  try {
    id = new URLSearchParams(fromUtf8(body)).get('id');
  } catch {
    return null;
  }
  return id !== null && MOLLIE_ID_PATTERN.test(id) ? id : null;
}

const seconds = (time: string | undefined) => (time === undefined ? Number.NaN : Math.floor(Date.parse(time) / 1000));

function eventIdOf(envelope: { readonly [key: string]: unknown }): string | null {
  const { id, status, amountRefunded } = envelope as { id?: unknown; status?: unknown; amountRefunded?: unknown };
  if (typeof id !== 'string' || typeof status !== 'string') return null;
  const refunded = (amountRefunded as { value?: unknown } | undefined)?.value;
  return `${id}:${status}:${typeof refunded === 'string' ? refunded : '0'}`;
}

function toFact(payment: MolliePaymentObject, eventId: string): LifecycleFact | null {
  const currency = payment.amount.currency;
  const amountMinor = parseDecimal(payment.amount.value, currency);
  if (amountMinor === null) return null;
  const base = { eventId, orderId: payment.metadata.order_id, amountMinor, currency };
  const refunded = payment.amountRefunded === undefined ? 0 : parseDecimal(payment.amountRefunded.value, currency);
  switch (payment.status) {
    case 'open':
    case 'pending':
    case 'authorized':
      return { ...base, kind: 'pending', occurredAt: seconds(payment.createdAt) };
    case 'failed':
    case 'canceled':
    case 'expired': {
      const at = payment.failedAt ?? payment.canceledAt ?? payment.expiredAt ?? payment.createdAt;
      return { ...base, kind: 'failed', occurredAt: seconds(at) };
    }
    case 'paid': {
      if (refunded === null) return null;
      if (refunded === 0)
        return { ...base, kind: 'succeeded', occurredAt: seconds(payment.paidAt ?? payment.createdAt) };
      // Refunds keep a payment `paid`; the newest embedded refund is the one this change is about.
      const refund = (payment._embedded?.refunds ?? []).at(-1);
      const own = refund === undefined ? null : parseDecimal(refund.amount.value, currency);
      return {
        ...base,
        kind: 'refunded',
        occurredAt: seconds(refund?.createdAt ?? payment.paidAt ?? payment.createdAt),
        refund: {
          id: refund?.id ?? `${payment.id}:${payment.amountRefunded?.value ?? ''}`,
          cumulativeMinor: refunded,
          ...(own === null || own <= 0 ? {} : { amountMinor: own }),
        },
      };
    }
  }
}

export const mollie = defineProvider<MolliePaymentObject>({
  id: 'mollie',
  title: 'Mollie',
  route: 'mollie',
  authentication: 'fetch',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'MOLLIE_API_KEY',
  orderIdField: 'metadata.order_id (of the fetched payment)',
  eventIdSource: 'payment id + fetched status + amountRefunded (of the payment fetched by the posted id)',
  tolerance: null,
  // UNCONFIRMED (docs/providers.md §12): a 15 s wait, and "10 times over 26 hours" as commonly cited.
  timeoutMs: 15_000,
  retryScheduleSeconds: [60, 300, 900, 1_800, 3_600, 7_200, 14_400, 21_600, 21_600, 21_600],
  secret: {
    format: 'a Mollie API key, test_ or live_ followed by 30 letters and digits',
    problem: (secret) =>
      secret.trim() !== secret
        ? 'the API key has leading or trailing whitespace'
        : API_KEY_PATTERN.test(secret)
          ? null
          : 'it is not a Mollie API key (test_… or live_…)',
    generate: (bytes) =>
      `test_${Array.from({ length: 30 }, (_, i) => ALPHANUMERIC[(bytes[i % bytes.length] ?? i) % ALPHANUMERIC.length]).join('')}`,
  },
  envelopeSchema: MolliePaymentEnvelopeSchema,
  eventSchema: MolliePaymentSchema,
  baseHeaders: {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Mollie HTTP client/1.0',
  },
  signatureHeaders: [],
  malformations: {},
  // The id changed in its last character: a payment the gateway never issued.
  tamper: (body) => {
    const id = postedId(body) ?? 'tr_';
    const last = id.at(-1) === 'A' ? 'B' : 'A';
    return utf8(new URLSearchParams({ id: `${id.slice(0, -1)}${last}` }).toString());
  },
  fetch: {
    idOf: postedId,
    path: (id) => `/v2/payments/${encodeURIComponent(id)}`,
    route: '/v2/payments/:id',
    headers: (secret) => ({ authorization: `Bearer ${secret}`, accept: 'application/hal+json' }),
    authorizes: (authorization) => {
      const match = /^Bearer (\S+)$/.exec(authorization ?? '');
      return match?.[1] !== undefined && API_KEY_PATTERN.test(match[1]);
    },
    lookup: (id) => {
      const payment = molliePayment(id);
      return payment === null ? null : utf8(JSON.stringify(payment));
    },
    error: (status, detail, field) => ({
      contentType: 'application/hal+json',
      body: JSON.stringify({
        status,
        title: { 400: 'Bad Request', 401: 'Unauthorized Request', 404: 'Not Found' }[status],
        detail,
        ...(field === undefined ? {} : { field }),
        _links: { documentation: { href: 'https://docs.mollie.com/overview/handling-errors', type: 'text/html' } },
      }),
    }),
  },
  buildEvent(step) {
    const event = molliePayment(molliePaymentId(step));
    if (event === null) throw new RangeError(`no Mollie payment for ${step.eventKey}`);
    return { event, eventId: eventIdOf(event) ?? event.id };
  },
  encode: (event) => utf8(new URLSearchParams({ id: event.id }).toString()),
  sign: () => ({}),
  // No signature exists: this only refuses what cannot be a Mollie webhook. Authenticity is the fetch's (`fetch`),
  // which the reference receiver performs before it stores anything.
  verify: ({ body }) =>
    postedId(body) === null ? rejected('missing_signature', 'no id=tr_… field: not a Mollie webhook') : { ok: true },
  eventId: (envelope) => eventIdOf(envelope),
  toFact,
});
