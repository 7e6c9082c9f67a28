import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { DecimalAmountSchema, formatMinor, parseDecimal } from '../money.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type SubscriptionStep } from '../provider.js';
import { builtIpnId } from './paypal-ipn-event-id.js';
import { IPN_NOTIFY_VERSION, type IpnFields, ipnAccount, ipnEvent, orderPassThrough } from './paypal-ipn-payer.js';
import { ipnTime, paypalTime, profileNotice, startOf } from './paypal-ipn-recurring.js';
import { formatPaymentDate, paypalId } from './paypal-ipn-wire.js';

/**
 * PayPal Payments Standard subscriptions ("Subscribe" buttons), as WooCommerce Subscriptions, Paid Memberships Pro,
 * Easy Digital Downloads and django-paypal receive them (docs/decisions/0026-paypal-paddle-standard-families.md):
 * `subscr_signup` (the first status), one `subscr_payment` per paid period under its own `txn_id`, `subscr_failed` for
 * a failed one, `subscr_cancel` when it is cancelled, `subscr_modify` when its terms change; `subscr_eot` (the end of
 * the last paid term) is read as cancelled too. The order reference is `invoice`, as in `web_accept`; `custom` carries
 * a WooCommerce-style `{"order_id":…,"order_key":…}` pass-through. Classic subscriptions have no past-due notice of
 * their own: after the last retry PayPal suspends the profile behind `subscr_id` (an `I-…` id) and sends
 * `recurring_payment_suspended_due_to_max_failed_payment`, which WooCommerce Subscriptions handles in its Standard
 * handler (paypal-ipn-profile.ts).
 */
export const PAYPAL_SUBSCRIPTION_TXN_TYPES = [
  'subscr_signup',
  'subscr_payment',
  'subscr_failed',
  'subscr_cancel',
  'subscr_eot',
  'subscr_modify',
] as const;

const text = z.string();
const shape = {
  subscr_id: text.min(1),
  receiver_email: text.min(1),
  mc_currency: text.regex(/^[A-Z]{3}$/),
  invoice: text.min(1),
  custom: text.optional(),
  charset: text.optional(),
  verify_sign: text.optional(),
  ipn_track_id: text.optional(),
};
const terms = { mc_amount3: DecimalAmountSchema, period3: text.min(1) };
const of = <T extends string, S extends z.ZodRawShape>(type: T, extra: S) =>
  z.looseObject({ ...shape, txn_type: z.literal(type), ...extra });

export const PaypalSubscriptionIpnSchema = z.discriminatedUnion('txn_type', [
  of('subscr_signup', { ...terms, subscr_date: paypalTime, mc_amount1: DecimalAmountSchema.optional() }),
  of('subscr_payment', {
    txn_id: text.min(1),
    payment_status: text.min(1),
    payment_date: paypalTime,
    mc_gross: DecimalAmountSchema,
  }),
  of('subscr_failed', { payment_date: paypalTime, mc_gross: DecimalAmountSchema }),
  of('subscr_cancel', { ...terms, subscr_date: paypalTime }),
  // The end of term names no date of its own in every account's messages: without one it is acknowledged, unapplied.
  of('subscr_eot', { subscr_date: paypalTime.optional() }),
  of('subscr_modify', { ...terms, subscr_effective: paypalTime }),
]);
export type PaypalSubscriptionIpn = z.infer<typeof PaypalSubscriptionIpnSchema>;

export function isSubscriptionIpn(event: { txn_type?: unknown }): event is PaypalSubscriptionIpn {
  return (PAYPAL_SUBSCRIPTION_TXN_TYPES as readonly unknown[]).includes(event.txn_type);
}

/** The `subscr_id` of a subscription key: `I-` and 12 letters and digits, as PayPal's. */
export function subscrId(subscriptionKey: string): string {
  return `I-${paypalId(`subscr:${subscriptionKey}`, 12)}`;
}

/** The `txn_id` of a subscription period's payment: its own per invoice. */
export function invoiceTxnId(step: SubscriptionStep): string {
  return paypalId(`txn:${step.invoiceKey ?? step.eventKey}`, 17);
}

function subscription(step: SubscriptionStep, txnType: string, extra: IpnFields): IpnFields {
  const account = ipnAccount(step.subscriptionKey, step.payee);
  const price = formatMinor(step.amountMinor, step.currency);
  const usd = step.currency === 'USD';
  // Signup, cancel and modify carry the button's terms, in the order of PayPal's own sandbox messages.
  return [
    ['txn_type', txnType],
    ['subscr_id', subscrId(step.subscriptionKey)],
    ['last_name', account.payer.last],
    ['residence_country', 'US'],
    ['mc_currency', step.currency],
    ['item_name', account.item],
    ['amount3', usd ? price : undefined],
    ['business', account.payee],
    ['recurring', '1'],
    ['verify_sign', ''],
    ['payer_status', 'verified'],
    ['test_ipn', '1'],
    ['payer_email', account.payer.email],
    ['first_name', account.payer.first],
    ['receiver_email', account.payee],
    ['payer_id', account.payer.payerId],
    ['invoice', step.orderId],
    ['reattempt', '1'],
    ...extra,
    ['custom', orderPassThrough(step.orderId)],
    ['charset', account.charset],
    ['notify_version', IPN_NOTIFY_VERSION],
    ['period3', '1 M'],
    ['mc_amount3', price],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
}

function payment(step: SubscriptionStep, status: 'Pending' | 'Completed'): IpnFields {
  const account = ipnAccount(step.subscriptionKey, step.payee);
  const gross = formatMinor(step.amountMinor, step.currency);
  const usd = step.currency === 'USD';
  const fee = formatMinor(Math.round(step.amountMinor * 0.029) + 30, step.currency);
  return [
    ['transaction_subject', account.item],
    ['txn_type', 'subscr_payment'],
    ['payment_date', formatPaymentDate(step.createdAt)],
    ['subscr_id', subscrId(step.subscriptionKey)],
    ['last_name', account.payer.last],
    ['residence_country', 'US'],
    ['pending_reason', status === 'Pending' ? 'multi_currency' : undefined],
    ['item_name', account.item],
    ['payment_gross', usd ? gross : ''],
    ['mc_currency', step.currency],
    ['business', account.payee],
    ['payment_type', 'instant'],
    ['protection_eligibility', 'Ineligible'],
    ['verify_sign', ''],
    ['payer_status', 'verified'],
    ['test_ipn', '1'],
    ['payer_email', account.payer.email],
    ['txn_id', invoiceTxnId(step)],
    ['receiver_email', account.payee],
    ['first_name', account.payer.first],
    ['invoice', step.orderId],
    ['payer_id', account.payer.payerId],
    ['receiver_id', paypalId(`receiver:${account.payee}`, 13)],
    ['payment_status', status],
    ['payment_fee', status === 'Completed' && usd ? fee : undefined],
    ['mc_fee', status === 'Completed' ? fee : undefined],
    ['mc_gross', gross],
    ['custom', orderPassThrough(step.orderId)],
    ['charset', account.charset],
    ['notify_version', IPN_NOTIFY_VERSION],
    // Each delivery of a status of this payment is its own message.
    ['ipn_track_id', paypalId(`track:${step.eventKey}:${status}`, 13).toLowerCase()],
  ];
}

function failed(step: SubscriptionStep): IpnFields {
  const account = ipnAccount(step.subscriptionKey, step.payee);
  const gross = formatMinor(step.amountMinor, step.currency);
  return [
    ['txn_type', 'subscr_failed'],
    ['subscr_id', subscrId(step.subscriptionKey)],
    ['last_name', account.payer.last],
    ['residence_country', 'US'],
    ['item_name', account.item],
    ['payment_gross', step.currency === 'USD' ? gross : ''],
    ['mc_currency', step.currency],
    ['business', account.payee],
    ['verify_sign', ''],
    ['payer_status', 'verified'],
    ['test_ipn', '1'],
    ['payer_email', account.payer.email],
    // PayPal tries again in five days (the button's reattempt=1).
    ['retry_at', formatPaymentDate(step.createdAt + 5 * 86_400)],
    ['receiver_email', account.payee],
    ['first_name', account.payer.first],
    ['invoice', step.orderId],
    ['payer_id', account.payer.payerId],
    ['receiver_id', paypalId(`receiver:${account.payee}`, 13)],
    ['payment_date', formatPaymentDate(step.createdAt)],
    ['mc_gross', gross],
    ['custom', orderPassThrough(step.orderId)],
    ['charset', account.charset],
    ['notify_version', IPN_NOTIFY_VERSION],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
}

function mine(step: SubscriptionStep, earlier: readonly LifecycleStep[]): SubscriptionStep[] {
  return earlier.filter((s): s is SubscriptionStep => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey);
}

/** The IPNs for a step of a classic subscription, in the order PayPal sends them. */
function classicIpns(step: SubscriptionStep, earlier: readonly LifecycleStep[]): IpnFields[] {
  const at = formatPaymentDate(step.createdAt);
  switch (step.kind) {
    case 'invoice_paid': {
      // A first payment in a currency the account does not hold waits for the merchant (multi_currency), then
      // completes: one txn_id, Pending then Completed, as in PayPal's own sandbox messages.
      const firstPayment = !mine(step, earlier).some((s) => s.kind === 'invoice_paid');
      return firstPayment && step.currency !== 'USD'
        ? [payment(step, 'Pending'), payment(step, 'Completed')]
        : [payment(step, 'Completed')];
    }
    case 'invoice_failed':
      return [failed(step)];
    case 'subscription_status':
      if (step.first === true) {
        const trial: IpnFields =
          step.status === 'trialing'
            ? [
                ['period1', '7 D'],
                ['mc_amount1', formatMinor(0, step.currency)],
              ]
            : [];
        return [subscription(step, 'subscr_signup', [['subscr_date', at], ...trial])];
      }
      if (step.status === 'canceled') return [subscription(step, 'subscr_cancel', [['subscr_date', at]])];
      if (step.status === 'past_due' || step.status === 'unpaid') {
        const suspended = 'recurring_payment_suspended_due_to_max_failed_payment';
        return [profileNotice(step, suspended, subscrId(step.subscriptionKey), startOf(step, earlier))];
      }
      // Back in force after a change of terms (PayPal has no "activated" notice for a Standard subscription).
      return [subscription(step, 'subscr_modify', [['subscr_effective', at]])];
  }
}

export const paypalSubscriptionFamily: EventFamily<Record<string, string>> = {
  title: 'Subscriptions (subscr_*)',
  factKinds: ['subscription_status', 'invoice_paid', 'invoice_failed'],
  buildEvents(step, earlier) {
    if (isPaymentStep(step)) return null;
    return classicIpns(step, earlier).map((fields) => {
      const event = ipnEvent(fields);
      return { event, eventId: builtIpnId(event) };
    });
  },
};

/** What a classic subscription IPN says about the order named in `invoice`. */
export function subscriptionIpnFact(event: PaypalSubscriptionIpn, eventId: string): LifecycleFact | null {
  const base = { eventId, orderId: event.invoice, currency: event.mc_currency };
  const status = (
    value: NonNullable<LifecycleFact['subscription']>['status'],
    time: string | undefined,
    amount: string,
  ): LifecycleFact | null => {
    const occurredAt = ipnTime(time);
    const amountMinor = parseDecimal(amount, event.mc_currency);
    if (occurredAt === null || amountMinor === null) return null;
    return {
      ...base,
      kind: 'subscription_status',
      occurredAt,
      amountMinor,
      subscription: { id: event.subscr_id, status: value },
    };
  };
  switch (event.txn_type) {
    case 'subscr_signup': {
      // A free first period (period1 with mc_amount1 0.00) is a trial.
      const trial = event.mc_amount1 !== undefined && parseDecimal(event.mc_amount1, event.mc_currency) === 0;
      return status(trial ? 'trialing' : 'active', event.subscr_date, event.mc_amount3);
    }
    case 'subscr_modify':
      return status('active', event.subscr_effective, event.mc_amount3);
    case 'subscr_cancel':
      return status('canceled', event.subscr_date, event.mc_amount3);
    case 'subscr_eot':
      return status('canceled', event.subscr_date, '0');
    case 'subscr_payment':
    case 'subscr_failed': {
      const occurredAt = ipnTime(event.payment_date);
      const amountMinor = parseDecimal(event.mc_gross, event.mc_currency);
      if (occurredAt === null || amountMinor === null) return null;
      if (event.txn_type === 'subscr_failed') return { ...base, kind: 'invoice_failed', occurredAt, amountMinor };
      if (event.payment_status === 'Completed') {
        return { ...base, kind: 'invoice_paid', occurredAt, amountMinor, invoice: { id: event.txn_id } };
      }
      // Pending: the period is not paid yet (multi_currency, echeck); Denied or Failed: it never will be.
      if (event.payment_status === 'Pending') return { ...base, kind: 'pending', occurredAt, amountMinor };
      if (event.payment_status === 'Denied' || event.payment_status === 'Failed') {
        return { ...base, kind: 'invoice_failed', occurredAt, amountMinor };
      }
      return null;
    }
  }
}
