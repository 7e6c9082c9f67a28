// A gateway of one's own, defined with the same parts as every built-in provider.
// In your project, import from 'ipn-gauntlet/contracts' instead of the relative path.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import {
  CurrencySchema,
  checkTimestamp,
  defineProvider,
  fromUtf8,
  readHeader,
  safeEqual,
  utf8,
  type VerifyResult,
} from '../../contracts/index.js';

/** Acme Pay sends `{"id","type","created","order","amount","currency"}` and `Acme-Signature: <unix>.<hex>`. */
const AcmeEventSchema = z.object({
  id: z.string().startsWith('acme_evt_'),
  type: z.enum(['payment.waiting', 'payment.done', 'payment.declined', 'payment.refunded']),
  created: z.number().int(),
  order: z.string().min(1),
  amount: z.number().int().positive(),
  currency: CurrencySchema,
  refund: z.object({ id: z.string(), total: z.number().int() }).optional(),
});
type AcmeEvent = z.infer<typeof AcmeEventSchema>;

const hmac = (secret: string, timestamp: number, body: Uint8Array) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

const types = {
  pending: 'payment.waiting',
  succeeded: 'payment.done',
  failed: 'payment.declined',
  refunded: 'payment.refunded',
} as const;
const kinds = {
  'payment.waiting': 'pending',
  'payment.done': 'succeeded',
  'payment.declined': 'failed',
  'payment.refunded': 'refunded',
} as const;

export const acmePay = defineProvider<AcmeEvent>({
  id: 'acme-pay',
  title: 'Acme Pay',
  route: 'acme',
  authentication: 'signature',
  factKinds: ['pending', 'succeeded', 'failed', 'refunded'],
  multipleSignatures: false,
  secretEnv: 'ACME_WEBHOOK_SECRET',
  orderIdField: 'order',
  eventIdSource: 'id (acme_evt_…)',
  tolerance: { past: 300, future: 300 },
  timeoutMs: 10_000,
  retryScheduleSeconds: [60, 600, 3_600],
  secret: {
    format: 'acme_sk_ followed by hex',
    problem: (secret) => (/^acme_sk_[0-9a-f]+$/.test(secret) ? null : 'it is not acme_sk_ followed by hex'),
    generate: (bytes) => `acme_sk_${Buffer.from(bytes).toString('hex')}`,
  },
  envelopeSchema: z.looseObject({ id: z.string(), type: z.string() }),
  eventSchema: AcmeEventSchema,
  baseHeaders: { 'content-type': 'application/json' },
  signatureHeaders: ['acme-signature'],
  malformations: {
    'signature without timestamp': (h) => ({ ...h, 'acme-signature': h['acme-signature']?.split('.')[1] ?? '' }),
  },
  buildEvent(step) {
    if (step.kind === 'reversed' || step.kind === 'reversal_canceled')
      throw new RangeError('Acme Pay has no chargebacks');
    const event: AcmeEvent = {
      id: `acme_evt_${step.eventKey}`,
      type: types[step.kind],
      created: step.createdAt,
      order: step.orderId,
      amount: step.amountMinor,
      currency: step.currency,
      ...(step.refund ? { refund: { id: step.refund.key, total: step.refund.cumulativeMinor } } : {}),
    };
    return { event, eventId: event.id };
  },
  encode: (event) => utf8(JSON.stringify(event)),
  sign: ({ body, secrets, timestamp }) => ({
    'acme-signature': `${timestamp}.${hmac(secrets[0] ?? '', timestamp, body)}`,
  }),
  verify({ body, headers, secret, nowSeconds }): VerifyResult {
    const header = readHeader(headers, 'acme-signature');
    if (typeof header !== 'string' || header === '')
      return { ok: false, reason: 'missing_signature', message: 'no Acme-Signature' };
    const [ts = '', signature = ''] = header.split('.');
    if (!/^\d+$/.test(ts)) return { ok: false, reason: 'malformed_signature', message: 'no timestamp' };
    if (!safeEqual(hmac(secret, Number(ts), body), signature)) {
      return { ok: false, reason: 'no_matching_signature', message: 'signature does not match' };
    }
    return checkTimestamp(Number(ts), nowSeconds, { past: 300, future: 300 });
  },
  eventId: (envelope) => (typeof envelope.id === 'string' ? envelope.id : null),
  toFact: (event, eventId) => ({
    eventId,
    orderId: event.order,
    kind: kinds[event.type],
    amountMinor: event.amount,
    currency: event.currency,
    occurredAt: event.created,
    ...(event.refund ? { refund: { id: event.refund.id, cumulativeMinor: event.refund.total } } : {}),
  }),
});

/** Decodes a body the way a receiver would; here only to show `fromUtf8`. */
export const decodeAcme = (body: Uint8Array): AcmeEvent => AcmeEventSchema.parse(JSON.parse(fromUtf8(body)));
