import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { CurrencySchema } from '../money.js';
import { defineProvider, type PaymentStep, type ReformatRandom } from '../provider.js';
import { rejected, safeEqual, type VerifyResult } from '../verification.js';
import { fromUtf8, utf8 } from '../wire.js';

/**
 * Adyen standard notification webhooks (docs/providers.md §8): JSON `{ live, notificationItems: [{ NotificationRequestItem:
 * {…} }] }`. The signature is inside the body, per item: `additionalData.hmacSignature` = base64 HMAC-SHA256 over
 * `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success` (absent
 * fields as empty strings) keyed with the hex-decoded HMAC key. It covers those eight fields only, not the bytes, so
 * whitespace, key order and other fields may change freely. No timestamp; the answer the gateway expects is the body
 * `[accepted]`. Event identity (UNCONFIRMED, the usual choice): pspReference + eventCode + success.
 *
 * Adyen sends one item per notification by default. A batch of several items validates (every item's signature must
 * hold) but has no single event identity: the reference receiver keeps it as a dead letter instead of applying it
 * (batches are not yet supported; see `eventId`).
 */
export const ADYEN_MERCHANT_ACCOUNT = 'IpnGauntletECOM';
export const ADYEN_ACKNOWLEDGEMENT = '[accepted]';

const pspReference = z.string().regex(/^[A-Z0-9]{16}$/, 'a 16-character pspReference');
const booleanString = z.enum(['true', 'false']);

export const AdyenItemSchema = z.looseObject({
  eventCode: z.string().min(1),
  success: booleanString,
  pspReference: pspReference,
  originalReference: z.string().optional(),
  merchantAccountCode: z.string().min(1),
  merchantReference: z.string(),
  amount: z.looseObject({ value: z.number().int().nonnegative(), currency: CurrencySchema }),
  eventDate: z.iso.datetime({ offset: true }),
  additionalData: z.looseObject({ hmacSignature: z.string().optional() }).optional(),
});
export type AdyenItem = z.infer<typeof AdyenItemSchema>;

/** Any Adyen notification: one item or a batch, any event code. */
export const AdyenEnvelopeSchema = z.looseObject({
  live: booleanString,
  notificationItems: z.array(z.looseObject({ NotificationRequestItem: AdyenItemSchema })).min(1),
});

/** The notifications modelled here: one item (Adyen's default). */
export const AdyenEventSchema = AdyenEnvelopeSchema.extend({
  notificationItems: z.tuple([z.looseObject({ NotificationRequestItem: AdyenItemSchema })]),
});
export type AdyenEvent = z.infer<typeof AdyenEventSchema>;

/** The eight fields the HMAC covers, in order, absent ones as empty strings (as `HmacValidator.getDataToSign`). */
export function adyenSignedData(item: Partial<Record<string, unknown>>): string {
  const amount = (typeof item.amount === 'object' && item.amount !== null ? item.amount : {}) as Record<
    string,
    unknown
  >;
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    amount.value,
    amount.currency,
    item.eventCode,
    item.success,
  ]
    .map((field) => (field === undefined || field === null ? '' : String(field)))
    .join(':');
}

/** The signature of one item: HMAC-SHA256 keyed with the hex-decoded key (`keyAs: 'text'` is the classic mistake). */
export function adyenSignature(
  hexKey: string,
  item: Partial<Record<string, unknown>>,
  keyAs: 'hex' | 'text' = 'hex',
): string {
  const key = keyAs === 'hex' ? Buffer.from(hexKey, 'hex') : Buffer.from(hexKey, 'utf8');
  return createHmac('sha256', key).update(adyenSignedData(item), 'utf8').digest('base64');
}

/** The `NotificationRequestItem` objects of a parsed body, or null when it is not an Adyen notification's shape. */
export function adyenItems(value: unknown): Record<string, unknown>[] | null {
  if (typeof value !== 'object' || value === null) return null;
  const list = (value as { notificationItems?: unknown }).notificationItems;
  if (!Array.isArray(list) || list.length === 0) return null;
  const items = list.map((entry: unknown) =>
    typeof entry === 'object' && entry !== null
      ? (entry as { NotificationRequestItem?: unknown }).NotificationRequestItem
      : null,
  );
  return items.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))
    ? (items as Record<string, unknown>[])
    : null;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    return undefined;
  }
}

/** Where each `"hmacSignature": "…"` value sits in the text, in document order (one per item). */
function signatureSlots(text: string): { start: number; end: number }[] {
  const strings = /"(?:[^"\\]|\\.)*"/g;
  const slots: { start: number; end: number }[] = [];
  let keyEnd: number | null = null;
  for (let match = strings.exec(text); match !== null; match = strings.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (keyEnd !== null && /^\s*:\s*$/.test(text.slice(keyEnd, start))) {
      slots.push({ start, end });
      keyEnd = null;
      continue;
    }
    keyEnd = JSON.parse(match[0]) === 'hmacSignature' ? end : null;
  }
  return slots;
}

/**
 * The body with every item's `hmacSignature` set, written in place so the body keeps its exact layout (a reformatted
 * body stays reformatted); when the placeholders cannot be found, the parsed body is written back compactly.
 */
export function signAdyenBody(body: Uint8Array, hexKey: string, keyAs: 'hex' | 'text' = 'hex'): Uint8Array {
  const value = parseJson(body);
  const items = adyenItems(value);
  if (items === null) return body;
  const signatures = items.map((item) => adyenSignature(hexKey, item, keyAs));
  const text = fromUtf8(body);
  const slots = signatureSlots(text);
  if (slots.length === items.length) {
    let out = text;
    for (let i = slots.length - 1; i >= 0; i -= 1) {
      const slot = slots[i];
      if (slot === undefined) continue;
      out = `${out.slice(0, slot.start)}${JSON.stringify(signatures[i])}${out.slice(slot.end)}`;
    }
    return utf8(out);
  }
  items.forEach((item, i) => {
    const extra = typeof item.additionalData === 'object' && item.additionalData !== null ? item.additionalData : {};
    item.additionalData = { ...extra, hmacSignature: signatures[i] };
  });
  return utf8(JSON.stringify(value));
}

/** A signed body changed by `change` on each item, written back compactly (the signature ignores the layout). */
function changeItems(body: Uint8Array, change: (item: Record<string, unknown>) => void): Uint8Array {
  const value = parseJson(body);
  const items = adyenItems(value);
  if (items === null) throw new Error('not an Adyen notification body');
  for (const item of items) change(item);
  return utf8(JSON.stringify(value));
}

/** A stable 16-digit pspReference from a key, as Adyen's look. */
function pspOf(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  const high = digest.readUInt32BE(0) % 100_000_000;
  const low = digest.readUInt32BE(4) % 100_000_000;
  return `${String(high).padStart(8, '0')}${String(low).padStart(8, '0')}`.replace(/^0/, '7');
}

/** Adyen writes event dates with the platform's offset; these in CET (+01:00). */
function eventDateOf(seconds: number): string {
  return new Date((seconds + 3_600) * 1000).toISOString().replace(/\.\d{3}Z$/, '+01:00');
}

function item(step: PaymentStep): AdyenItem {
  const payment = pspOf(`payment:${step.paymentKey}`);
  const base = {
    merchantAccountCode: ADYEN_MERCHANT_ACCOUNT,
    merchantReference: step.orderId,
    eventDate: eventDateOf(step.createdAt),
    paymentMethod: 'visa',
    reason: '',
    // Filled in by `signBody` when the gateway sends it; the placeholder is never sent.
    additionalData: { hmacSignature: '' },
  };
  if (step.kind === 'refunded') {
    const refund = step.refund ?? { key: step.eventKey, amountMinor: step.amountMinor, cumulativeMinor: 0 };
    return {
      eventCode: 'REFUND',
      success: 'true',
      pspReference: pspOf(`refund:${refund.key}`),
      originalReference: payment,
      amount: { value: refund.amountMinor, currency: step.currency },
      ...base,
    };
  }
  if (step.kind === 'pending') {
    // Adyen's `PENDING` event (asynchronous methods: the shopper has not completed the payment yet). Not in
    // docs/providers.md §8; its fields are those of every NotificationRequestItem.
    return {
      eventCode: 'PENDING',
      success: 'true',
      pspReference: payment,
      amount: { value: step.amountMinor, currency: step.currency },
      ...base,
    };
  }
  if (step.kind !== 'succeeded' && step.kind !== 'failed') {
    throw new RangeError(`Adyen notifications here do not model ${step.kind} steps`);
  }
  return {
    eventCode: 'AUTHORISATION',
    success: step.kind === 'succeeded' ? 'true' : 'false',
    pspReference: payment,
    amount: { value: step.amountMinor, currency: step.currency },
    ...base,
    reason: step.kind === 'succeeded' ? '058506:1111:03/2030' : 'Refused',
  };
}

function identityOf(item: Pick<AdyenItem, 'pspReference' | 'eventCode' | 'success'>): string {
  return `${item.pspReference}:${item.eventCode}:${item.success}`;
}

export const adyen = defineProvider<AdyenEvent>({
  id: 'adyen',
  title: 'Adyen',
  route: 'adyen',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'ADYEN_HMAC_KEY',
  orderIdField: 'notificationItems[0].NotificationRequestItem.merchantReference',
  eventIdSource: 'pspReference + eventCode + success of the (single) NotificationRequestItem',
  tolerance: null,
  // Answer within 10 s (docs/providers.md §8).
  timeoutMs: 10_000,
  // 3 quick attempts (9 s, 18 s, 27 s), then the retry queue: 2 m … 8 h, for up to 30 days (docs/providers.md §8).
  retryScheduleSeconds: [9, 18, 27, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400, 28_800],
  secret: {
    format: 'the HMAC key as the Customer Area shows it: 64 hexadecimal characters (32 bytes)',
    problem: (secret) =>
      secret.length === 0
        ? 'the HMAC key is empty'
        : !/^(?:[0-9A-Fa-f]{2})+$/.test(secret)
          ? 'the HMAC key is not hexadecimal (an even number of 0-9/A-F characters): copy it from the Customer Area'
          : null,
    generate: (bytes) => Buffer.from(bytes).toString('hex').toUpperCase(),
  },
  envelopeSchema: AdyenEnvelopeSchema,
  eventSchema: AdyenEventSchema,
  baseHeaders: { 'content-type': 'application/json', 'user-agent': 'Adyen HttpClient 1.0' },
  // The signature travels in the body (`additionalData.hmacSignature`); see `bodyForgeries`.
  signatureHeaders: [],
  malformations: {},
  tamper: (body) =>
    changeItems(body, (item) => {
      const amount = item.amount as { value: number };
      amount.value += 100;
    }),
  bodyForgeries: {
    'hmacSignature removed': (body) =>
      changeItems(body, (item) => {
        const extra = item.additionalData as Record<string, unknown> | undefined;
        if (extra !== undefined) delete extra.hmacSignature;
      }),
    'success changed under the old signature': (body) =>
      changeItems(body, (item) => {
        item.success = item.success === 'true' ? 'false' : 'true';
      }),
    'signed with the key as text, not hex-decoded': (body, secret) => signAdyenBody(body, secret, 'text'),
    'non-base64 hmacSignature': (body) =>
      changeItems(body, (item) => {
        item.additionalData = { ...(item.additionalData as object), hmacSignature: '!!!not-base64!!!' };
      }),
  },
  acknowledgement: { contentType: 'text/plain; charset=utf-8', body: ADYEN_ACKNOWLEDGEMENT },
  buildEvent(step) {
    const notification = item(step);
    const event: AdyenEvent = { live: 'false', notificationItems: [{ NotificationRequestItem: notification }] };
    return { event, eventId: identityOf(notification) };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  signBody: ({ body, secrets }) => signAdyenBody(body, secrets.at(-1) ?? ''),
  split: splitAdyenBatch,
  reformats: {
    // Adyen may batch several notification items in one request; the receiver applies each on its own.
    'in a batch with another notification': { keeps: 'fact', body: (body, random) => inBatch(body, random) },
  },
  sign: () => ({}),
  verify({ body, secret }): VerifyResult {
    const items = adyenItems(parseJson(body));
    if (items === null) return rejected('missing_signature', 'not an Adyen notification: no NotificationRequestItem');
    for (const [i, entry] of items.entries()) {
      const extra = entry.additionalData as { hmacSignature?: unknown } | undefined;
      const signature = extra?.hmacSignature;
      if (signature === undefined || signature === '') {
        return rejected('missing_signature', `item ${i} has no additionalData.hmacSignature`);
      }
      if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(signature)) {
        return rejected('malformed_signature', `item ${i}: hmacSignature is not the base64 of 32 bytes`);
      }
      if (!safeEqual(adyenSignature(secret, entry), signature)) {
        return rejected('no_matching_signature', `item ${i}: the hmacSignature does not match its fields`);
      }
    }
    return { ok: true };
  },
  eventId: (envelope) => {
    const items = adyenItems(envelope);
    // A batch has no single identity: not yet supported (kept aside by the reference receiver, never applied).
    if (items === null || items.length !== 1) return null;
    const parsed = AdyenItemSchema.safeParse(items[0]);
    return parsed.success ? identityOf(parsed.data) : null;
  },
  toFact(event, eventId) {
    const [{ NotificationRequestItem: n }] = event.notificationItems;
    const base = {
      eventId,
      orderId: n.merchantReference,
      amountMinor: n.amount.value,
      currency: n.amount.currency,
      occurredAt: Math.floor(Date.parse(n.eventDate) / 1000),
    };
    if (n.eventCode === 'PENDING' && n.success === 'true') return { ...base, kind: 'pending' };
    if (n.eventCode === 'AUTHORISATION') return { ...base, kind: n.success === 'true' ? 'succeeded' : 'failed' };
    if (n.eventCode === 'REFUND' && n.success === 'true' && n.amount.value > 0) {
      return { ...base, kind: 'refunded', refund: { id: n.pspReference, amountMinor: n.amount.value } };
    }
    // CAPTURE, CANCEL_OR_REFUND, CHARGEBACK, a failed REFUND…: validated and acknowledged, no order moves.
    return null;
  },
});

/** A batch of several items as one single-item notification each, as Adyen sends them by default; null for one item. */
export function splitAdyenBatch(body: Uint8Array): Uint8Array[] | null {
  const value = parseJson(body);
  const items = adyenItems(value);
  if (items === null || items.length < 2) return null;
  const live = (value as { live?: unknown }).live;
  return items.map((item) => utf8(JSON.stringify({ live, notificationItems: [{ NotificationRequestItem: item }] })));
}

const PSP_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The notification in a batch with a second item that moves no order (a settlement report being available), before
 * or after it by the seed. Signing then fills in every item's hmacSignature.
 */
function inBatch(body: Uint8Array, random: ReformatRandom): Uint8Array {
  const value = parseJson(body) as { live?: unknown; notificationItems?: { NotificationRequestItem?: AdyenItem }[] };
  const item = value.notificationItems?.[0]?.NotificationRequestItem;
  if (item === undefined) return body;
  const report = {
    additionalData: { hmacSignature: '' },
    amount: { currency: item.amount.currency, value: 0 },
    eventCode: 'REPORT_AVAILABLE',
    eventDate: item.eventDate,
    merchantAccountCode: item.merchantAccountCode,
    merchantReference: '',
    pspReference: Array.from({ length: 16 }, () => PSP_ALPHABET[random.int(0, PSP_ALPHABET.length - 1)]).join(''),
    reason: 'https://ca-test.adyen.com/reports/download/MerchantAccount/IpnGauntletECOM/settlement_detail_report.csv',
    success: 'true',
  };
  const items = random.int(0, 1) === 0 ? [report, item] : [item, report];
  return utf8(
    JSON.stringify({ live: value.live, notificationItems: items.map((entry) => ({ NotificationRequestItem: entry })) }),
  );
}
