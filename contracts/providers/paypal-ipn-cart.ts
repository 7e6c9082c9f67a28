import { z } from 'zod';
import { currencyExponent, DecimalAmountSchema, formatMinor } from '../money.js';
import { type EventFamily, isPaymentStep, type PaymentStep } from '../provider.js';
import { builtIpnId } from './paypal-ipn-event-id.js';
import { IPN_NOTIFY_VERSION, type IpnFields, ipnAccount, ipnEvent, ipnItems, pick } from './paypal-ipn-payer.js';
import { paypalTime } from './paypal-ipn-recurring.js';
import { formatPaymentDate, paypalId } from './paypal-ipn-wire.js';

/**
 * A payment for several items (PayPal's Shopping Cart and Express Checkout with line items): `txn_type=cart`,
 * `num_cart_items`, and per item `item_nameN`, `item_numberN`, `quantityN`, `mc_gross_N` (the item's total, with an
 * underscore; the others have none), whose sum is `mc_gross`. Pending → Completed under one `txn_id`, as a `web_accept`
 * payment; refunds and reversals of a cart are the provider's own (a child `txn_id` naming the cart's as parent).
 */
const text = z.string();
export const PaypalCartIpnSchema = z.looseObject({
  txn_type: z.literal('cart'),
  txn_id: text.min(1),
  payment_status: text.min(1),
  payment_date: paypalTime,
  mc_gross: DecimalAmountSchema,
  mc_currency: text.regex(/^[A-Z]{3}$/),
  receiver_email: text.min(1),
  invoice: text.min(1),
  num_cart_items: text.regex(/^[1-9]\d*$/, 'a count of items such as "3"'),
  mc_gross_1: DecimalAmountSchema,
  item_name1: text,
});
export type PaypalCartIpn = z.infer<typeof PaypalCartIpnSchema>;

/** A cart's items: two or three, each at least one minor unit (one item when the total is smaller), summing to the total. */
export function cartItems(step: PaymentStep): { name: string; number: string; quantity: number; grossMinor: number }[] {
  const wanted = pick([2, 3, 3] as const, step.paymentKey, 'cart-size');
  const count = Math.max(1, Math.min(wanted, step.amountMinor));
  const weights = Array.from(
    { length: count },
    (_, i) => 1 + (Number.parseInt(paypalId(`w${i}:${step.paymentKey}`, 2), 16) % 7),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.max(count > 1 ? 1 : 0, Math.floor((step.amountMinor * w) / total)));
  parts[0] = (parts[0] ?? 0) + step.amountMinor - parts.reduce((a, b) => a + b, 0);
  return parts.map((grossMinor, i) => {
    const name = pick(ipnItems, `${step.paymentKey}:${i}`, 'item');
    return { name, number: `C-${paypalId(`item:${name}`, 4)}`, quantity: 1 + (i % 2), grossMinor };
  });
}

const statusOf = (step: PaymentStep): string => {
  switch (step.kind) {
    case 'pending':
      return 'Pending';
    case 'succeeded':
      return 'Completed';
    default:
      return pick(['Denied', 'Failed'] as const, step.eventKey, 'failure');
  }
};

/** A cart IPN, fields in the order of PayPal's Express Checkout cart messages. */
function cartIpn(step: PaymentStep): IpnFields {
  const account = ipnAccount(step.paymentKey, step.payee);
  const status = statusOf(step);
  const items = cartItems(step);
  const fee = Math.round(step.amountMinor * 0.029) + (currencyExponent(step.currency) === 0 ? 40 : 30);
  const gross = formatMinor(step.amountMinor, step.currency);
  const usd = step.currency === 'USD';
  return [
    ['mc_gross', gross],
    ['protection_eligibility', 'Eligible'],
    ['payer_id', account.payer.payerId],
    ['tax', formatMinor(0, step.currency)],
    ['payment_date', formatPaymentDate(step.createdAt)],
    ['payment_status', status],
    ['pending_reason', status === 'Pending' ? 'paymentreview' : undefined],
    ['charset', account.charset],
    ['first_name', account.payer.first],
    ['mc_fee', status === 'Completed' ? formatMinor(fee, step.currency) : undefined],
    ['notify_version', IPN_NOTIFY_VERSION],
    ['custom', `cart ${paypalId(`cart:${step.orderId}`, 8).toLowerCase()}`],
    ['payer_status', 'verified'],
    ['business', account.payee],
    ['num_cart_items', String(items.length)],
    ['verify_sign', ''],
    ['payer_email', account.payer.email],
    ['txn_id', paypalId(`txn:${step.paymentKey}`, 17)],
    ['payment_type', 'instant'],
    ['last_name', account.payer.last],
    ['receiver_email', account.payee],
    ['payment_fee', status === 'Completed' && usd ? formatMinor(fee, step.currency) : undefined],
    ['receiver_id', paypalId(`receiver:${account.payee}`, 13)],
    ['txn_type', 'cart'],
    ['mc_currency', step.currency],
    ...items.flatMap(
      (item, i): IpnFields => [
        [`item_name${i + 1}`, item.name],
        [`item_number${i + 1}`, item.number],
        [`quantity${i + 1}`, String(item.quantity)],
        [`mc_gross_${i + 1}`, formatMinor(item.grossMinor, step.currency)],
      ],
    ),
    ['residence_country', 'US'],
    ['test_ipn', '1'],
    ['invoice', step.orderId],
    ['transaction_subject', ''],
    ['payment_gross', usd ? gross : ''],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
}

export const paypalCartFamily: EventFamily<Record<string, string>> = {
  title: 'Carts of several items (cart)',
  factKinds: ['pending', 'succeeded', 'failed'],
  buildEvents(step) {
    if (!isPaymentStep(step) || (step.kind !== 'pending' && step.kind !== 'succeeded' && step.kind !== 'failed')) {
      return null;
    }
    const event = ipnEvent(cartIpn(step));
    return [{ event, eventId: builtIpnId(event) }];
  },
};
