import { describe, expect, test } from 'vitest';
import { decodeBody } from '../../contracts/decode.js';
import { encodeForm } from '../../contracts/form-urlencoded.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { signedRequest } from '../../contracts/provider.js';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { decodeIpn, formatPaymentDate, parsePaymentDate } from '../../contracts/providers/paypal-ipn-wire.js';
import { decodeWindows1252, encodeWindows1252 } from '../../contracts/windows-1252.js';

/** The hand-written windows-1252 IPN of docs/providers.md §2.5, byte for byte as PayPal sends it. */
const SAMPLE =
  'mc_gross=19.95&protection_eligibility=Eligible&payer_id=LPLWNMTBWMFAY&payment_date=20%3A12%3A59+Jan+13%2C+2026+PST&payment_status=Completed&charset=windows-1252&first_name=Jos%E9&mc_fee=0.88&notify_version=3.9&custom=ord_42&payer_status=verified&business=seller%40example.com&quantity=1&verify_sign=AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf&payer_email=buyer%40example.com&txn_id=61E67681CH3238416&payment_type=instant&last_name=Ram%EDrez&receiver_email=seller%40example.com&receiver_id=S8XGHLYDW9T3S&txn_type=web_accept&item_name=Widget&mc_currency=USD&item_number=W-1&residence_country=US&test_ipn=1&invoice=INV-0042&ipn_track_id=5a3b1c9e8d7f2';

/** PayPal's field order (docs/providers.md §2.5). */
const ORDER = SAMPLE.split('&').map((part) => part.split('=')[0] ?? '');

const ascii = (text: string) => new TextEncoder().encode(text);
const fieldsOf = (body: Uint8Array): Record<string, string> => Object.fromEntries(decodeIpn(body).fields);
const text = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes);

function step(kind: PaymentStep['kind'], extra: Partial<PaymentStep> = {}): PaymentStep {
  return {
    kind,
    eventKey: `evt-${kind}`,
    orderId: 'ord_pp_1',
    paymentKey: 'pay_pp_1',
    amountMinor: 1995,
    currency: 'USD',
    createdAt: 1_768_363_979,
    payee: 'seller@example.com',
    ...extra,
  };
}

test('windows-1252 decodes and encodes every byte as WHATWG says: Latin-1 but for the 0x80–0x9F table', () => {
  for (let byte = 0; byte < 256; byte += 1) {
    const char = decodeWindows1252(Uint8Array.of(byte));
    expect([...encodeWindows1252(char)]).toEqual([byte]);
    if (byte < 0x80 || byte >= 0xa0) expect(char.codePointAt(0)).toBe(byte);
  }
  expect(decodeWindows1252(Uint8Array.of(0x80, 0x8c, 0x99, 0x85, 0x81))).toBe('€Œ™…\u0081');
  expect([...encodeWindows1252('€Œ™…')]).toEqual([0x80, 0x8c, 0x99, 0x85]);
  expect(() => encodeWindows1252('Ł')).toThrow(/U\+0141/);
});

test('the docs/providers.md sample decodes with its charset and re-encodes to the same bytes, field order kept', () => {
  const decoded = paypalIpn.decode?.(ascii(SAMPLE), {}) as Record<string, string>;
  expect(decoded).toMatchObject({
    first_name: 'José',
    last_name: 'Ramírez',
    payment_date: '20:12:59 Jan 13, 2026 PST',
  });
  expect(Object.keys(decoded)).toEqual(ORDER);
  const fields = Object.entries(decoded);
  expect(text(encodeForm(fields, 'windows-1252'))).toBe(SAMPLE);
  const utf8 = text(
    encodeForm(
      fields.map(([k, v]) => [k, k === 'charset' ? 'UTF-8' : v] as const),
      'UTF-8',
    ),
  );
  expect(utf8).toContain('first_name=Jos%C3%A9&');
  expect(utf8).toContain('last_name=Ram%C3%ADrez&');
  expect(fieldsOf(ascii(utf8)).last_name).toBe('Ramírez');
});

test('a body without a charset field is read as windows-1252; an unknown charset is a reason, not a crash', () => {
  expect(paypalIpn.decode?.(ascii('first_name=Jos%E9'), {})).toEqual({ first_name: 'José' });
  const unknown = decodeBody(paypalIpn, ascii('charset=x-nope&a=b'), {});
  expect(unknown).toMatchObject({ ok: false, reason: expect.stringContaining('x-nope') });
});

test('payment_date is PayPal time in Pacific time, both ways, across daylight saving', () => {
  expect(formatPaymentDate(1_768_363_979)).toBe('20:12:59 Jan 13, 2026 PST');
  expect(parsePaymentDate('20:12:59 Jan 13, 2026 PST')).toBe(1_768_363_979);
  const summer = 1_783_364_000;
  expect(formatPaymentDate(summer)).toMatch(/ PDT$/);
  expect(parsePaymentDate(formatPaymentDate(summer))).toBe(summer);
});

describe('events', () => {
  test('a windows-1252 IPN’s € and Œ arrive as such, not as C1 controls', () => {
    const body = encodeForm(
      [
        ['charset', 'windows-1252'],
        ['item_name', 'Gift card €25 – Œuvre'],
      ],
      'windows-1252',
    );
    expect(text(body)).toBe('charset=windows-1252&item_name=Gift+card+%8025+%96+%8Cuvre');
    expect(paypalIpn.decode?.(body, {})).toEqual({ charset: 'windows-1252', item_name: 'Gift card €25 – Œuvre' });
  });

  test('are forms in PayPal’s field order, in the charset their own charset field names', () => {
    for (const kind of paypalIpn.factKinds) {
      const { event } = paypalIpn.buildEvent(
        step(kind, { refund: { key: 'r1', amountMinor: 500, cumulativeMinor: 500 } }),
      );
      const body = paypalIpn.encode(event);
      const keys = Object.keys(paypalIpn.decode?.(body, {}) as object);
      const known = keys.filter((key) => ORDER.includes(key));
      expect(known).toEqual(ORDER.filter((key) => known.includes(key)));
      const charset = (event as { charset: string }).charset;
      expect(['windows-1252', 'UTF-8']).toContain(charset);
      expect(text(body)).toMatch(charset === 'UTF-8' ? /%C3|%C2|%E2|%C5/ : /%[89A-F][0-9A-F]/);
    }
  });

  test('a Pending → Completed pair shares a txn_id and is two events', () => {
    const pending = paypalIpn.buildEvent(step('pending'));
    const completed = paypalIpn.buildEvent(step('succeeded'));
    expect(pending.event.txn_id).toBe(completed.event.txn_id);
    expect(pending.event.txn_id).toMatch(/^[0-9A-Z]{17}$/);
    expect(pending.eventId).not.toBe(completed.eventId);
    expect(pending.event).toMatchObject({ payment_status: 'Pending', pending_reason: expect.any(String) });
  });

  test('a refund is a new transaction with a negative mc_gross and parent_txn_id; its fact is its own amount', () => {
    const paid = paypalIpn.buildEvent(step('succeeded')).event;
    const { event, eventId } = paypalIpn.buildEvent(
      step('refunded', { refund: { key: 'rf_1', amountMinor: 700, cumulativeMinor: 700 } }),
    );
    expect(event).toMatchObject({ payment_status: 'Refunded', mc_gross: '-7.00', parent_txn_id: paid.txn_id });
    expect(event.txn_id).not.toBe(paid.txn_id);
    const fact = paypalIpn.toFact(
      paypalIpn.eventSchema.parse(paypalIpn.decode?.(paypalIpn.encode(event), {})),
      eventId,
    );
    expect(fact).toMatchObject({ kind: 'refunded', amountMinor: 700, refund: { id: event.txn_id, amountMinor: 700 } });
  });

  test('a reversal carries a negative mc_gross, its cancellation a positive one', () => {
    const reversed = paypalIpn.buildEvent(step('reversed')).event;
    const canceled = paypalIpn.buildEvent(step('reversal_canceled')).event;
    expect(reversed).toMatchObject({ payment_status: 'Reversed', mc_gross: '-19.95', reason_code: 'chargeback' });
    expect(canceled).toMatchObject({ payment_status: 'Canceled_Reversal', mc_gross: '19.95' });
  });
});

describe('the gateway’s mark (verify_sign)', () => {
  const { event, eventId } = paypalIpn.buildEvent(step('succeeded'));
  const sealed = signedRequest(paypalIpn, {
    body: paypalIpn.encode(event),
    eventId,
    secrets: ['seller@example.com'],
    timestamp: 0,
    gatewayKey: 'key-1',
  }).body;
  const postback = paypalIpn.postback;
  if (postback === undefined) throw new Error('PayPal IPN has a postback');

  test('is recognised with the key it was made with, and only with it', () => {
    expect(postback.sealed(sealed, 'key-1')).toBe(true);
    expect(postback.sealed(sealed, 'key-2')).toBe(false);
    expect(postback.sealed(paypalIpn.encode(event), 'key-1')).toBe(false);
  });

  test('covers every other byte: one byte changed anywhere is not the message the gateway sent', () => {
    const at = text(sealed).indexOf('verify_sign=');
    for (const index of [0, Math.floor(at / 2), sealed.length - 1]) {
      const changed = Uint8Array.from(sealed);
      changed[index] = (changed[index] ?? 0) === 0x31 ? 0x32 : 0x31;
      expect(postback.sealed(changed, 'key-1')).toBe(false);
    }
    expect(postback.sealed(paypalIpn.tamper?.(sealed) ?? sealed, 'key-1')).toBe(false);
    expect(postback.sealed(paypalIpn.payTo?.(sealed, 'other@example.org') ?? sealed, 'key-1')).toBe(false);
  });

  test('the postback request is cmd=_notify-validate& and the original bytes, and back', () => {
    const request = postback.request(sealed);
    expect(text(request)).toBe(`cmd=_notify-validate&${text(sealed)}`);
    expect(postback.original(request)).toEqual(sealed);
    expect(postback.original(sealed)).toBeNull();
  });
});
