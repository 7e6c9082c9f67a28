import { createHash, createPrivateKey, createSign, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { DecimalAmountSchema, formatMinor, parseDecimal } from '../money.js';
import { defineProvider, type PaymentStep, type SignInput } from '../provider.js';
import { rejected, type VerifyResult } from '../verification.js';
import { fromUtf8, type HeaderMap, readHeader, utf8 } from '../wire.js';
import { GATEWAY_PRIVATE_KEY_PEM } from './paypal-rest-certificates.js';
import { crc32, crc32AsSignedInt } from './paypal-rest-crc32.js';

/**
 * PayPal REST webhooks (docs/providers.md §3): compact JSON events `WH-…`, five `PAYPAL-*` headers, an RSA signature
 * (SHA256withRSA, base64) over `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}` with the CRC as
 * an unsigned decimal, verified with the public key of the X.509 certificate at `PAYPAL-CERT-URL`. A receiver's
 * "secret" is its webhook id; the certificate must come only from a PayPal host (receiver/paypal-certificates.ts).
 * No timestamp tolerance is documented, so none is enforced. Order id in `resource.custom_id`.
 */
export const PAYPAL_REST_AUTH_ALGO = 'SHA256withRSA';
/** The certificate's name under `/v1/notifications/certs/` (PayPal's look: `CERT-360caa42-fca2a594-df8cd2d5`). */
export const PAYPAL_REST_CERT_NAME = 'CERT-1a9c0f3e-ipn0gaun-tlet2026';
/** The hosts PayPal serves webhook certificates from: the only ones a receiver fetches a certificate from. */
export const PAYPAL_CERT_HOSTS = ['api.paypal.com', 'api.sandbox.paypal.com'] as const;
/** The cert URL the simulator signs with by default, as the sandbox sends it; a receiver asks its gateway for it. */
export const PAYPAL_REST_CERT_URL = `https://api.sandbox.paypal.com/v1/notifications/certs/${PAYPAL_REST_CERT_NAME}`;

export const PAYPAL_REST_HEADERS = {
  transmissionId: 'paypal-transmission-id',
  transmissionTime: 'paypal-transmission-time',
  transmissionSig: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  authAlgo: 'paypal-auth-algo',
} as const;

const MoneySchema = z.looseObject({ currency_code: z.string().length(3), value: DecimalAmountSchema });

export const PaypalCaptureSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['COMPLETED', 'PENDING', 'DECLINED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'FAILED']),
  amount: MoneySchema,
  custom_id: z.string().min(1),
  final_capture: z.boolean(),
  create_time: z.string(),
  update_time: z.string(),
});

export const PaypalRefundSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['COMPLETED', 'PENDING', 'CANCELLED', 'FAILED']),
  amount: MoneySchema,
  custom_id: z.string().min(1),
  seller_payable_breakdown: z.looseObject({ total_refunded_amount: MoneySchema }),
  create_time: z.string(),
  update_time: z.string(),
});

const envelopeShape = {
  id: z.string().startsWith('WH-'),
  event_version: z.string(),
  create_time: z.string(),
  resource_type: z.string().min(1),
  event_type: z.string().min(1),
  summary: z.string(),
  links: z.array(z.looseObject({ href: z.string(), rel: z.string() })),
};

/** Any PayPal REST event: what a receiver validates before it stores one (unknown types acknowledged, ignored). */
export const PaypalRestEnvelopeSchema = z.looseObject({ ...envelopeShape, resource: z.looseObject({}) });

const eventOf = <T extends string, R extends z.ZodType>(type: T, resourceType: string, resource: R) =>
  z.looseObject({
    ...envelopeShape,
    event_type: z.literal(type),
    resource_type: z.literal(resourceType),
    resource_version: z.literal('2.0'),
    resource,
  });

export const PaypalRestEventSchema = z.discriminatedUnion('event_type', [
  eventOf('PAYMENT.CAPTURE.PENDING', 'capture', PaypalCaptureSchema),
  eventOf('PAYMENT.CAPTURE.COMPLETED', 'capture', PaypalCaptureSchema),
  eventOf('PAYMENT.CAPTURE.DENIED', 'capture', PaypalCaptureSchema),
  eventOf('PAYMENT.CAPTURE.REFUNDED', 'refund', PaypalRefundSchema),
]);
export type PaypalRestEvent = z.infer<typeof PaypalRestEventSchema>;

const typeOf = {
  pending: 'PAYMENT.CAPTURE.PENDING',
  succeeded: 'PAYMENT.CAPTURE.COMPLETED',
  failed: 'PAYMENT.CAPTURE.DENIED',
  refunded: 'PAYMENT.CAPTURE.REFUNDED',
} as const satisfies Partial<Record<PaymentStep['kind'], PaypalRestEvent['event_type']>>;

/** PayPal's upper-case alphanumeric ids (`2GG279541U471931P`, 17 characters) from any key, stable. */
function paypalId(key: string, length = 17): string {
  const digest = createHash('sha256').update(key).digest();
  const alphabet = '0123456789ABCDEFGHJKLMNPRSTUVWXY';
  return Array.from(digest.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** RFC 3339 without fractions, as PayPal sends `PAYPAL-TRANSMISSION-TIME` (`2023-09-07T08:07:06Z`). */
export function transmissionTimeOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A uuid-shaped transmission id, one per delivery attempt, derived from what identifies the attempt. */
function transmissionIdOf(input: Pick<SignInput, 'eventId' | 'deliveryId' | 'timestamp'>): string {
  const hex = createHash('sha256')
    .update(`${input.eventId}|${input.deliveryId ?? ''}|${input.timestamp}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-11ee-${hex.slice(12, 16)}-${hex.slice(16, 28)}`;
}

/** The signed string: `${transmissionId}|${transmissionTime}|${webhookId}|${crc}` (crc as PayPal's unsigned decimal). */
export function paypalRestSignedContent(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  crc: number,
): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc}`;
}

/** SHA256withRSA (PKCS#1 v1.5, deterministic) over the signed string, base64. */
export function paypalRestSignature(content: string, privateKeyPem: string): string {
  return createSign('sha256')
    .update(content, 'utf8')
    .sign(parsed(privateKeys, privateKeyPem, createPrivateKey), 'base64');
}

/**
 * Keys and certificates parsed once per PEM: parsing a 2048-bit key took 1.3 of a signature's 2 ms. A run uses a
 * handful (the gateway's, a forger's, a rotated one); past MAX_PARSED the oldest is dropped.
 */
const privateKeys = new Map<string, KeyObject>();
const certificates = new Map<string, X509Certificate>();
const MAX_PARSED = 16;

function parsed<T>(cache: Map<string, T>, pem: string, parse: (pem: string) => T): T {
  const known = cache.get(pem);
  if (known !== undefined) return known;
  const value = parse(pem);
  if (cache.size >= MAX_PARSED) cache.delete(cache.keys().next().value ?? '');
  cache.set(pem, value);
  return value;
}

export interface PaypalRestSignOptions {
  /** The URL the certificate is served at (default: the sandbox's, `PAYPAL_REST_CERT_URL`). */
  readonly certUrl?: string;
  /** The key that signs (default: the fake gateway's). */
  readonly privateKeyPem?: string;
  /** How the CRC is printed: PayPal's unsigned decimal, or the signed int a broken implementation computes. */
  readonly crc?: 'unsigned' | 'signed';
}

/** The five PayPal headers for a body and a webhook id. */
export function paypalRestHeaders(input: SignInput, options: PaypalRestSignOptions = {}): Record<string, string> {
  const webhookId = input.secrets.at(-1) ?? '';
  const transmissionId = transmissionIdOf(input);
  const transmissionTime = transmissionTimeOf(input.timestamp);
  const crc = options.crc === 'signed' ? crc32AsSignedInt(input.body) : crc32(input.body);
  const content = paypalRestSignedContent(transmissionId, transmissionTime, webhookId, crc);
  return {
    [PAYPAL_REST_HEADERS.transmissionId]: transmissionId,
    [PAYPAL_REST_HEADERS.transmissionTime]: transmissionTime,
    [PAYPAL_REST_HEADERS.transmissionSig]: paypalRestSignature(
      content,
      options.privateKeyPem ?? GATEWAY_PRIVATE_KEY_PEM,
    ),
    [PAYPAL_REST_HEADERS.certUrl]: options.certUrl ?? PAYPAL_REST_CERT_URL,
    [PAYPAL_REST_HEADERS.authAlgo]: PAYPAL_REST_AUTH_ALGO,
  };
}

/** The five headers of a delivery, each present once, or why not. */
export function readPaypalRestHeaders(headers: HeaderMap):
  | {
      readonly ok: true;
      readonly id: string;
      readonly time: string;
      readonly sig: string;
      readonly certUrl: string;
      readonly algo: string;
    }
  | Extract<VerifyResult, { ok: false }> {
  const values: string[] = [];
  for (const name of Object.values(PAYPAL_REST_HEADERS)) {
    const value = readHeader(headers, name);
    if (value === undefined || value === '')
      return { ok: false, reason: 'missing_signature', message: `no ${name} header` };
    if (typeof value !== 'string') return { ok: false, reason: 'malformed_signature', message: `${name} sent twice` };
    values.push(value);
  }
  const [id = '', time = '', sig = '', certUrl = '', algo = ''] = values;
  return { ok: true, id, time, sig, certUrl, algo };
}

/**
 * Offline verification with a certificate the receiver fetched from an allowed host (never from a URL it was sent
 * unchecked): the algorithm named, the certificate valid at `nowSeconds`, the signature over the unsigned CRC.
 */
export function verifyPaypalRest(input: {
  readonly body: Uint8Array;
  readonly headers: HeaderMap;
  readonly webhookId: string;
  readonly certificatePem: string;
  readonly nowSeconds: number;
  /** How the CRC is printed: `signed` is the `crc-as-signed-int` mistake. */
  readonly crc?: 'unsigned' | 'signed';
}): VerifyResult {
  const read = readPaypalRestHeaders(input.headers);
  if (!read.ok) return read;
  if (read.algo !== PAYPAL_REST_AUTH_ALGO) {
    return rejected(
      'malformed_signature',
      `PAYPAL-AUTH-ALGO is ${read.algo.slice(0, 40)}, not ${PAYPAL_REST_AUTH_ALGO}`,
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(read.sig)) {
    return rejected('malformed_signature', 'PAYPAL-TRANSMISSION-SIG is not base64');
  }
  let certificate: X509Certificate;
  try {
    certificate = parsed(certificates, input.certificatePem, (pem) => new X509Certificate(pem));
  } catch {
    return rejected('no_matching_signature', 'the certificate at PAYPAL-CERT-URL is not an X.509 certificate');
  }
  const now = input.nowSeconds * 1000;
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) {
    return rejected(
      'no_matching_signature',
      `the certificate is not valid now (${certificate.validFrom} – ${certificate.validTo})`,
    );
  }
  const crc = input.crc === 'signed' ? crc32AsSignedInt(input.body) : crc32(input.body);
  const content = paypalRestSignedContent(read.id, read.time, input.webhookId, crc);
  const valid = createVerify('sha256').update(content, 'utf8').verify(certificate.publicKey, read.sig, 'base64');
  return valid ? { ok: true } : rejected('no_matching_signature', 'PAYPAL-TRANSMISSION-SIG does not match');
}

function captureOf(step: PaymentStep) {
  const status = step.kind === 'pending' ? 'PENDING' : step.kind === 'failed' ? 'DECLINED' : 'COMPLETED';
  const time = transmissionTimeOf(step.createdAt);
  return {
    id: paypalId(`capture:${step.paymentKey}`),
    status,
    ...(step.kind === 'pending' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
    amount: { currency_code: step.currency, value: formatMinor(step.amountMinor, step.currency) },
    final_capture: true,
    custom_id: step.orderId,
    create_time: time,
    update_time: time,
  };
}

function refundOf(step: PaymentStep) {
  const refund = step.refund;
  const amount = refund?.amountMinor ?? step.amountMinor;
  const total = refund?.cumulativeMinor ?? amount;
  const time = transmissionTimeOf(step.createdAt);
  return {
    id: paypalId(`refund:${step.paymentKey}:${refund?.key ?? step.eventKey}`),
    status: 'COMPLETED',
    amount: { currency_code: step.currency, value: formatMinor(amount, step.currency) },
    custom_id: step.orderId,
    seller_payable_breakdown: {
      total_refunded_amount: { currency_code: step.currency, value: formatMinor(total, step.currency) },
    },
    links: [
      {
        href: `https://api.sandbox.paypal.com/v2/payments/captures/${paypalId(`capture:${step.paymentKey}`)}`,
        rel: 'up',
        method: 'GET',
      },
    ],
    create_time: time,
    update_time: time,
  };
}

/** A webhook id as PayPal shows it: upper-case letters and digits (`8PT597110X687430LKGECATA`). */
const WEBHOOK_ID = /^[A-Z0-9]{8,40}$/;

export const paypalRest = defineProvider<PaypalRestEvent>({
  id: 'paypal-rest',
  title: 'PayPal REST',
  route: 'paypal-rest',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'PAYPAL_WEBHOOK_ID',
  orderIdField: 'resource.custom_id',
  unhandledEventType: { path: 'event_type', value: 'CATALOG.PRODUCT.CREATED' },
  eventIdSource: 'event.id (WH-…)',
  // PayPal documents no tolerance for PAYPAL-TRANSMISSION-TIME and its SDKs check none (docs/providers.md §3.2).
  tolerance: null,
  // Not published; a translated answer claims 15 s (docs/providers.md §3.4).
  timeoutMs: 15_000,
  // "25 times over 3 days" is commonly cited, never found in a primary source (docs/providers.md §3.4).
  retryScheduleSeconds: [60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200, 86_400, 86_400],
  secret: {
    format:
      'the webhook id PayPal shows for the subscription, upper-case letters and digits (8PT597110X687430LKGECATA)',
    problem: (secret) =>
      secret.length === 0
        ? 'the webhook id is empty'
        : secret.trim() !== secret
          ? 'the webhook id has leading or trailing whitespace'
          : WEBHOOK_ID.test(secret)
            ? null
            : 'a webhook id has 8 to 40 upper-case letters and digits (is it the event id or the app secret?)',
    generate: (bytes) => paypalId(Buffer.from(bytes).toString('hex'), 24),
  },
  envelopeSchema: PaypalRestEnvelopeSchema,
  eventSchema: PaypalRestEventSchema,
  baseHeaders: {
    'content-type': 'application/json',
    'user-agent': 'PayPal/AUHD-214.0-58843663',
  },
  signatureHeaders: Object.values(PAYPAL_REST_HEADERS),
  certificateUrlHeader: PAYPAL_REST_HEADERS.certUrl,
  malformations: {
    'PAYPAL-AUTH-ALGO SHA1withRSA': (h) => ({ ...h, [PAYPAL_REST_HEADERS.authAlgo]: 'SHA1withRSA' }),
    'non-base64 signature': (h) => ({ ...h, [PAYPAL_REST_HEADERS.transmissionSig]: `${'!'.repeat(20)}` }),
    'transmission time changed': (h) => ({
      ...h,
      // One second later: the signed string changes, so the signature no longer fits.
      [PAYPAL_REST_HEADERS.transmissionTime]: (h[PAYPAL_REST_HEADERS.transmissionTime] ?? '').replace(
        /(\d)Z$/,
        (_match, digit: string) => `${(Number(digit) + 1) % 10}Z`,
      ),
    }),
  },
  // The amount is a decimal string: the generic tamper (a numeric amount) finds none.
  tamper(body) {
    const event = JSON.parse(fromUtf8(body)) as { resource?: { amount?: { currency_code?: string; value?: string } } };
    const amount = event.resource?.amount;
    if (amount?.value === undefined || amount.currency_code === undefined) return utf8(`${fromUtf8(body)} `);
    const minor = parseDecimal(amount.value, amount.currency_code) ?? 0;
    amount.value = formatMinor(minor + 100, amount.currency_code);
    return utf8(JSON.stringify(event));
  },
  buildEvent(step) {
    if (step.kind !== 'pending' && step.kind !== 'succeeded' && step.kind !== 'failed' && step.kind !== 'refunded') {
      throw new RangeError(`PayPal REST events here do not model ${step.kind} steps`);
    }
    const id = `WH-${paypalId(`event:${step.eventKey}`)}-${paypalId(`event2:${step.eventKey}`)}`;
    const eventType = typeOf[step.kind];
    const refund = step.kind === 'refunded';
    const resource = refund ? refundOf(step) : captureOf(step);
    const money = `${formatMinor(step.refund?.amountMinor ?? step.amountMinor, step.currency)} ${step.currency}`;
    const event = {
      id,
      event_version: '1.0',
      create_time: new Date(step.createdAt * 1000).toISOString(),
      resource_type: refund ? 'refund' : 'capture',
      resource_version: '2.0',
      event_type: eventType,
      summary: `${summaryOf[step.kind]} ${money}`,
      resource,
      links: [
        { href: `https://api.sandbox.paypal.com/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
        {
          href: `https://api.sandbox.paypal.com/v1/notifications/webhooks-events/${id}/resend`,
          rel: 'resend',
          method: 'POST',
        },
      ],
    } as PaypalRestEvent;
    return { event, eventId: id };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign: (input) => paypalRestHeaders(input),
  // The certificate is the receiver's to fetch (receiver/paypal-certificates.ts); without one nothing verifies.
  verify({ body, headers, secret, nowSeconds, certificate }): VerifyResult {
    const read = readPaypalRestHeaders(headers);
    if (!read.ok) return read;
    if (certificate === undefined) {
      return rejected(
        'no_matching_signature',
        'no certificate: fetch PAYPAL-CERT-URL from an allowed PayPal host first (receiver/paypal-certificates.ts)',
      );
    }
    return verifyPaypalRest({ body, headers, webhookId: secret, certificatePem: certificate, nowSeconds });
  },
  eventId: (envelope) => (typeof envelope.id === 'string' ? envelope.id : null),
  toFact(event, eventId): LifecycleFact | null {
    const base = { eventId, occurredAt: Math.floor(Date.parse(event.create_time) / 1000) };
    const { amount } = event.resource;
    const currency = amount.currency_code.toUpperCase();
    const amountMinor = parseDecimal(amount.value, currency);
    if (amountMinor === null) return null;
    switch (event.event_type) {
      case 'PAYMENT.CAPTURE.PENDING':
      case 'PAYMENT.CAPTURE.COMPLETED':
      case 'PAYMENT.CAPTURE.DENIED': {
        const kind =
          event.event_type === 'PAYMENT.CAPTURE.PENDING'
            ? 'pending'
            : event.event_type === 'PAYMENT.CAPTURE.COMPLETED'
              ? 'succeeded'
              : 'failed';
        return { ...base, kind, orderId: event.resource.custom_id, amountMinor, currency };
      }
      case 'PAYMENT.CAPTURE.REFUNDED': {
        const total = event.resource.seller_payable_breakdown.total_refunded_amount;
        const cumulativeMinor = parseDecimal(total.value, currency);
        return {
          ...base,
          kind: 'refunded',
          orderId: event.resource.custom_id,
          amountMinor,
          currency,
          refund: {
            id: event.resource.id,
            ...(amountMinor > 0 ? { amountMinor } : {}),
            ...(cumulativeMinor === null ? {} : { cumulativeMinor }),
          },
        };
      }
    }
  },
});

const summaryOf = {
  pending: 'Payment pending for',
  succeeded: 'Payment completed for',
  failed: 'Payment denied for',
  refunded: 'A $ refund of',
} as const;
