import { z } from 'zod';
import { encodeForm, type FormCharset } from '../form-urlencoded.js';
import type { LifecycleFact } from '../lifecycle.js';
import { currencyExponent, DecimalAmountSchema, formatMinor, parseDecimal } from '../money.js';
import { defineProvider, type PaymentStep } from '../provider.js';
import { rejected } from '../verification.js';
import { fitsWindows1252 } from '../windows-1252.js';
import { PaypalCartIpnSchema, paypalCartFamily } from './paypal-ipn-cart.js';
import { ipnEventId, PAYPAL_IPN_EVENT_ID_SOURCE } from './paypal-ipn-event-id.js';
import {
  charsetFor,
  IPN_DEFAULT_RECEIVER,
  IPN_NOTIFY_VERSION,
  ipnItems,
  payerOf,
  pick,
  presentFields,
} from './paypal-ipn-payer.js';
import {
  isRecurringIpn,
  PAYPAL_RECURRING_TXN_TYPES,
  PaypalRecurringIpnSchema,
  paypalRecurringFamily,
  recurringIpnFact,
} from './paypal-ipn-recurring.js';
import {
  isSubscriptionIpn,
  PAYPAL_SUBSCRIPTION_TXN_TYPES,
  PaypalSubscriptionIpnSchema,
  paypalSubscriptionFamily,
  subscriptionIpnFact,
} from './paypal-ipn-subscriptions.js';
import {
  decodeIpn,
  formatPaymentDate,
  ipnCharset,
  ipnField,
  ipnSealed,
  PAYMENT_DATE_PATTERN,
  PAYPAL_POSTBACK_PATH,
  parsePaymentDate,
  paypalId,
  postbackOriginal,
  postbackRequest,
  sealIpn,
  withIpnField,
} from './paypal-ipn-wire.js';

/**
 * PayPal classic IPN (docs/providers.md §2): `application/x-www-form-urlencoded` in PayPal's field order, in the charset the
 * body's own `charset` field names (windows-1252 by default, UTF-8 for some accounts). No signature: a receiver posts
 * the exact bytes back to `/cgi-bin/webscr` prefixed with `cmd=_notify-validate&` and applies the IPN only on
 * `VERIFIED`, and only when `receiver_email` is its own (the "secret" a PayPal receiver is configured with). Dedupe on
 * `txn_id` + `payment_status` (paypal-ipn-event-id.ts); the order id travels in `invoice`. `buildEvent` sends
 * `web_accept` payments; the other families (`paypalIpnFamilies`: subscriptions, recurring payments profiles, carts)
 * are read by the same schema and `toFact` (docs/decisions/0026-paypal-paddle-standard-families.md).
 */
export const PAYPAL_NOTIFY_VERSION = IPN_NOTIFY_VERSION;
export const PAYPAL_DEFAULT_RECEIVER = IPN_DEFAULT_RECEIVER;

/** The `payment_status` values modelled here and the fact each stands for (Denied and Failed both fail a payment). */
const factOfStatus = {
  Pending: 'pending',
  Completed: 'succeeded',
  Denied: 'failed',
  Failed: 'failed',
  Refunded: 'refunded',
  Reversed: 'reversed',
  Canceled_Reversal: 'reversal_canceled',
} as const satisfies Record<string, LifecycleFact['kind']>;

const text = z.string();

/**
 * Any IPN: what a receiver validates before it stores one (statuses and types nobody models are acknowledged and
 * ignored): an account it pays, and the fields of its identity (a transaction's, or a subscription or profile notice's).
 */
export const PaypalIpnEnvelopeSchema = z
  .looseObject({ receiver_email: text.min(1) })
  .refine((ipn) => ipnEventId(ipn) !== null, {
    message: 'no txn_id + payment_status, nor a subscr_id / recurring_payment_id with its txn_type',
  });

/** The txn_types with a schema of their own (a family's): the payment schema below refuses them. */
const familyTxnTypes: ReadonlySet<string> = new Set([
  ...PAYPAL_SUBSCRIPTION_TXN_TYPES,
  ...PAYPAL_RECURRING_TXN_TYPES,
  'cart',
]);

/** A payment IPN (`web_accept`, `express_checkout`, …) or a refund or reversal of one. Every value is a string. */
export const PaypalPaymentIpnSchema = z.looseObject({
  mc_gross: DecimalAmountSchema,
  payment_date: text.regex(PAYMENT_DATE_PATTERN, 'PayPal time such as "20:12:59 Jan 13, 2026 PST"'),
  payment_status: text.min(1),
  charset: text.optional(),
  txn_id: text.min(1),
  parent_txn_id: text.optional(),
  receiver_email: text.min(1),
  mc_currency: text.regex(/^[A-Z]{3}$/),
  invoice: text.min(1),
  custom: text.optional(),
  txn_type: text.refine((type) => !familyTxnTypes.has(type), 'a txn_type whose own schema this IPN fails').optional(),
  verify_sign: text.optional(),
  ipn_track_id: text.optional(),
  test_ipn: text.optional(),
  notify_version: text.optional(),
});

/** Every IPN this project models: a family's by its txn_type, else a payment's. */
export const PaypalIpnSchema = z.union([
  PaypalSubscriptionIpnSchema,
  PaypalRecurringIpnSchema,
  PaypalCartIpnSchema,
  PaypalPaymentIpnSchema,
]);
export type PaypalIpn = z.infer<typeof PaypalIpnSchema>;
type PaypalPaymentIpn = z.infer<typeof PaypalPaymentIpnSchema> | z.infer<typeof PaypalCartIpnSchema>;

/**
 * The families beside `web_accept` (`defaultFamily`): classic subscriptions, recurring payments profiles, carts. Not on
 * by default: a run sends them when the receiver's profile names them (`{ ...paypalIpn, families: { cart } }`).
 */
export const paypalIpnFamilies = {
  subscription: paypalSubscriptionFamily,
  recurring_payment: paypalRecurringFamily,
  cart: paypalCartFamily,
} as const;

const statusOf = (step: PaymentStep): keyof typeof factOfStatus => {
  switch (step.kind) {
    case 'pending':
      return 'Pending';
    case 'succeeded':
      return 'Completed';
    case 'failed':
      return pick(['Denied', 'Failed'] as const, step.eventKey, 'failure');
    case 'refunded':
      return 'Refunded';
    case 'reversed':
      return 'Reversed';
    case 'reversal_canceled':
      return 'Canceled_Reversal';
  }
};

/** The IPN for a step, fields in PayPal's order (docs/providers.md §2.5; optional fields where real IPNs carry them). */
function buildIpn(step: PaymentStep): { fields: [string, string][]; charset: FormCharset } {
  const status = statusOf(step);
  const paymentTxn = paypalId(`txn:${step.paymentKey}`, 17);
  const ownTxn =
    step.kind === 'refunded'
      ? paypalId(`txn:${step.refund?.key ?? step.eventKey}`, 17)
      : step.kind === 'reversed' || step.kind === 'reversal_canceled'
        ? paypalId(`txn:${step.eventKey}`, 17)
        : paymentTxn;
  const child = ownTxn !== paymentTxn;
  const amount =
    step.kind === 'refunded'
      ? -(step.refund?.amountMinor ?? step.amountMinor)
      : step.kind === 'reversed'
        ? -step.amountMinor
        : step.amountMinor;
  const payer = payerOf(step.paymentKey);
  const item = pick(ipnItems, step.paymentKey, 'item');
  const charset = charsetFor(step.paymentKey, [payer.first, payer.last, item]);
  const payee = step.payee ?? PAYPAL_DEFAULT_RECEIVER;
  const echeck = status === 'Failed' || (status === 'Pending' && pick([true, false], step.eventKey, 'echeck'));
  const fee = Math.round(step.amountMinor * 0.029) + (currencyExponent(step.currency) === 0 ? 40 : 30);
  const fields: [string, string | undefined][] = [
    ['mc_gross', formatMinor(amount, step.currency)],
    ['protection_eligibility', 'Eligible'],
    ['payer_id', payer.payerId],
    ['parent_txn_id', child ? paymentTxn : undefined],
    ['payment_date', formatPaymentDate(step.createdAt)],
    ['payment_status', status],
    ['pending_reason', status === 'Pending' ? (echeck ? 'echeck' : 'paymentreview') : undefined],
    ['charset', charset],
    ['first_name', payer.first],
    ['mc_fee', status === 'Completed' ? formatMinor(fee, step.currency) : undefined],
    ['notify_version', PAYPAL_NOTIFY_VERSION],
    ['custom', `cart ${paypalId(`cart:${step.orderId}`, 8).toLowerCase()}`],
    ['payer_status', 'verified'],
    ['business', payee],
    ['quantity', '1'],
    ['verify_sign', ''],
    ['payer_email', payer.email],
    ['txn_id', ownTxn],
    ['payment_type', echeck ? 'echeck' : 'instant'],
    ['last_name', payer.last],
    [
      'reason_code',
      status === 'Refunded'
        ? 'refund'
        : status === 'Reversed' || status === 'Canceled_Reversal'
          ? 'chargeback'
          : undefined,
    ],
    ['receiver_email', payee],
    ['receiver_id', paypalId(`receiver:${payee}`, 13)],
    ['txn_type', child ? undefined : 'web_accept'],
    ['item_name', item],
    ['mc_currency', step.currency],
    ['item_number', `W-${paypalId(`item:${item}`, 4)}`],
    ['residence_country', 'US'],
    ['test_ipn', '1'],
    ['invoice', step.orderId],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
  return { fields: presentFields(fields), charset };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const paypalIpn = defineProvider<PaypalIpn>({
  id: 'paypal-ipn',
  title: 'PayPal IPN',
  route: 'paypal-ipn',
  authentication: 'postback',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded', 'reversed', 'reversal_canceled'],
  multipleSignatures: false,
  secretEnv: 'PAYPAL_RECEIVER_EMAIL',
  orderIdField: 'invoice',
  eventIdSource: PAYPAL_IPN_EVENT_ID_SOURCE,
  tolerance: null,
  // PayPal waits 20 s for the first answer, 30 s on resends (docs/providers.md §2.4).
  timeoutMs: 20_000,
  // Doubling from 10 s, capped at a day between attempts, up to 15 resends over about four days.
  retryScheduleSeconds: Array.from({ length: 15 }, (_, i) => Math.min(10 * 2 ** i, 86_400)),
  secret: {
    format: "the merchant's PayPal account email (receiver_email), e.g. seller@example.com",
    problem: (secret) =>
      secret.trim() !== secret
        ? 'the email has leading or trailing whitespace'
        : emailPattern.test(secret)
          ? null
          : 'it is not an email address',
    generate: (bytes) => `merchant-${Buffer.from(bytes.subarray(0, 6)).toString('hex')}@example.com`,
  },
  envelopeSchema: PaypalIpnEnvelopeSchema,
  eventSchema: PaypalIpnSchema,
  baseHeaders: {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'PayPal IPN ( https://www.paypal.com/ipn )',
    connection: 'close',
  },
  signatureHeaders: [],
  malformations: {},
  tamper: (body) => {
    const currency = ipnField(body, 'mc_currency') ?? 'USD';
    const gross = parseDecimal(ipnField(body, 'mc_gross') ?? '0', currency) ?? 0;
    return withIpnField(
      body,
      'mc_gross',
      formatMinor(gross + 100 * 10 ** Math.max(0, currencyExponent(currency) - 2), currency),
    );
  },
  // A field sent twice keeps its first value.
  decode: (body) => {
    const ipn: Record<string, string> = {};
    for (const [name, value] of decodeIpn(body).fields) if (!Object.hasOwn(ipn, name)) ipn[name] = value;
    return ipn;
  },
  postback: {
    path: PAYPAL_POSTBACK_PATH,
    contentType: 'application/x-www-form-urlencoded',
    request: postbackRequest,
    original: postbackOriginal,
    verified: 'VERIFIED',
    invalid: 'INVALID',
    seal: sealIpn,
    sealed: ipnSealed,
  },
  payeeOf: (envelope) => (typeof envelope.receiver_email === 'string' ? envelope.receiver_email : null),
  // A profile notice names the merchant in receiver_email only (no business field).
  payTo: (body, account) => {
    const paid = withIpnField(body, 'receiver_email', account);
    return ipnField(paid, 'business') === undefined ? paid : withIpnField(paid, 'business', account);
  },
  reformats: {
    // 'fact', not 'json': the gateway's seal (verify_sign) covers the exact bytes, so it differs with them.
    'spaces as %20 instead of +': { keeps: 'fact', body: spacesAsPercent20 },
    "the account's other charset": {
      keeps: 'fact',
      canReshape: (body) =>
        ipnCharset(body) !== 'UTF-8' || decodeIpn(body).fields.every(([, value]) => fitsWindows1252(value)),
      body: (body) => {
        const { fields } = decodeIpn(body);
        const other: FormCharset = ipnCharset(body) === 'UTF-8' ? 'windows-1252' : 'UTF-8';
        const values = fields.map(([, value]) => value);
        if (other === 'windows-1252' && !values.every(fitsWindows1252)) return body;
        return encodeForm(
          fields.map(([name, value]) => [name, name === 'charset' ? other : value] as const),
          other,
        );
      },
    },
  },
  defaultFamily: 'web_accept',
  buildEvent(step) {
    const { fields } = buildIpn(step);
    const event = Object.fromEntries(fields) as PaypalIpn;
    return { event, eventId: `${event.txn_id}:${event.payment_status}` };
  },
  encode(event) {
    const fields = Object.entries(event).map(([name, value]) => [name, String(value)] as const);
    const charset = String(event.charset ?? '').toUpperCase();
    return encodeForm(fields, charset === 'UTF-8' ? 'UTF-8' : 'windows-1252');
  },
  sign: () => ({}),
  // No offline check exists (verify_sign is opaque to receivers): this only refuses what cannot be an IPN. Authenticity
  // is the postback's (`postback`), which the reference receiver performs before anything else.
  verify({ body }) {
    try {
      const fields = decodeIpn(body).fields;
      if (!fields.some(([name, value]) => name === 'verify_sign' && value !== '')) {
        return rejected('missing_signature', 'no verify_sign field: not an IPN');
      }
      return { ok: true };
    } catch (error) {
      return rejected('malformed_signature', `not a form in a known charset (${String(error)})`);
    }
  },
  eventId: (envelope) => ipnEventId(envelope),
  toFact(event, eventId): LifecycleFact | null {
    if (isSubscriptionIpn(event)) return subscriptionIpnFact(event, eventId);
    if (isRecurringIpn(event)) return recurringIpnFact(event, eventId);
    return paymentFact(event as PaypalPaymentIpn, eventId);
  },
});

/** A payment's IPN (`web_accept`, `cart`, a refund or reversal): the fact its `payment_status` stands for. */
function paymentFact(event: PaypalPaymentIpn, eventId: string): LifecycleFact | null {
  const kind = (factOfStatus as Record<string, LifecycleFact['kind'] | undefined>)[event.payment_status];
  const signed = parseDecimal(event.mc_gross, event.mc_currency);
  const occurredAt = parsePaymentDate(event.payment_date);
  if (kind === undefined || signed === null || occurredAt === null) return null;
  return {
    eventId,
    orderId: event.invoice,
    kind,
    amountMinor: Math.abs(signed),
    currency: event.mc_currency,
    occurredAt,
    ...(kind === 'refunded' ? { refund: { id: event.txn_id, amountMinor: Math.abs(signed) } } : {}),
  };
}

/** The same form with every space written `%20` instead of `+`: a literal plus is always `%2B`, so each `+` is a space. */
function spacesAsPercent20(body: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const byte of body) {
    if (byte === 0x2b) out.push(0x25, 0x32, 0x30);
    else out.push(byte);
  }
  return Uint8Array.from(out);
}
