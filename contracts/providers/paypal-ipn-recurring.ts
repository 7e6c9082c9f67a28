import { z } from 'zod';
import type { LifecycleFact } from '../lifecycle.js';
import { DecimalAmountSchema, formatMinor, parseDecimal } from '../money.js';
import { type EventFamily, isPaymentStep, type LifecycleStep, type SubscriptionStep } from '../provider.js';
import { builtIpnId } from './paypal-ipn-event-id.js';
import { IPN_NOTIFY_VERSION, type IpnFields, ipnAccount, ipnEvent } from './paypal-ipn-payer.js';
import { formatPaymentDate, PAYMENT_DATE_PATTERN, parsePaymentDate, paypalId } from './paypal-ipn-wire.js';

/**
 * Express Checkout recurring payments profiles (CreateRecurringPaymentsProfile), as Easy Digital Downloads, Paid
 * Memberships Pro and WP Ultimo receive them: `recurring_payment_profile_created` (the first status), one
 * `recurring_payment` per paid cycle under its own `txn_id`, `recurring_payment_failed` for a failed cycle
 * (`recurring_payment_skipped` is read the same way), `recurring_payment_suspended_due_to_max_failed_payment` when
 * PayPal stops trying (past due), `recurring_payment_profile_cancel` when it is cancelled. The order reference is
 * `rp_invoice_id` (the profile's PROFILEREFERENCE), the profile `recurring_payment_id`. A profile notice carries no
 * time of its own, only the profile's `time_created`: ties in time go to the later state in a subscription's life
 * (contracts/subscription-rule.ts), so a cancellation is never undone by the notice of its creation.
 */
export const PAYPAL_RECURRING_TXN_TYPES = [
  'recurring_payment_profile_created',
  'recurring_payment',
  'recurring_payment_failed',
  'recurring_payment_skipped',
  'recurring_payment_suspended',
  'recurring_payment_suspended_due_to_max_failed_payment',
  'recurring_payment_profile_cancel',
  'recurring_payment_expired',
] as const;
export type PaypalRecurringTxnType = (typeof PAYPAL_RECURRING_TXN_TYPES)[number];

const text = z.string();
export const paypalTime = text.regex(PAYMENT_DATE_PATTERN, 'PayPal time such as "20:12:59 Jan 13, 2026 PST"');

/** PayPal's time of a message (`payment_date`, `subscr_date`, …) as unix seconds; null when absent or unreadable. */
export function ipnTime(value: string | undefined): number | null {
  return value === undefined ? null : parsePaymentDate(value);
}

const shape = {
  recurring_payment_id: text.min(1),
  rp_invoice_id: text.min(1),
  receiver_email: text.min(1),
  currency_code: text.regex(/^[A-Z]{3}$/),
  amount_per_cycle: DecimalAmountSchema,
  profile_status: text.min(1),
  time_created: paypalTime,
  charset: text.optional(),
  verify_sign: text.optional(),
  ipn_track_id: text.optional(),
};
const notice = <T extends PaypalRecurringTxnType>(type: T) => z.looseObject({ ...shape, txn_type: z.literal(type) });

export const PaypalRecurringIpnSchema = z.discriminatedUnion('txn_type', [
  notice('recurring_payment_profile_created'),
  z.looseObject({
    ...shape,
    txn_type: z.literal('recurring_payment'),
    txn_id: text.min(1),
    payment_status: text.min(1),
    payment_date: paypalTime,
    mc_gross: DecimalAmountSchema,
    mc_currency: text.regex(/^[A-Z]{3}$/),
  }),
  notice('recurring_payment_failed'),
  notice('recurring_payment_skipped'),
  notice('recurring_payment_suspended'),
  notice('recurring_payment_suspended_due_to_max_failed_payment'),
  notice('recurring_payment_profile_cancel'),
  notice('recurring_payment_expired'),
]);
export type PaypalRecurringIpn = z.infer<typeof PaypalRecurringIpnSchema>;

export function isRecurringIpn(event: { txn_type?: unknown }): event is PaypalRecurringIpn {
  return (PAYPAL_RECURRING_TXN_TYPES as readonly unknown[]).includes(event.txn_type);
}

/** A recurring payments profile id: `I-` and 12 letters and digits. */
export function profileId(subscriptionKey: string): string {
  return `I-${paypalId(`profile:${subscriptionKey}`, 12)}`;
}

const MONTH_SECONDS = 30 * 86_400;
const profileStatusOf: Partial<Record<PaypalRecurringTxnType, string>> = {
  recurring_payment_profile_created: 'Active',
  recurring_payment_suspended: 'Suspended',
  recurring_payment_suspended_due_to_max_failed_payment: 'Suspended',
  recurring_payment_profile_cancel: 'Cancelled',
  recurring_payment_expired: 'Expired',
};

/**
 * A notice about a profile (no `txn_id`), fields in the order of PayPal's sandbox messages. `profile` is the
 * profile's id: `recurring_payment_id`, or a Standard subscription's `subscr_id` (PayPal suspends those as profiles).
 */
export function profileNotice(
  step: SubscriptionStep,
  txnType: PaypalRecurringTxnType,
  profile: string,
  created: number,
): IpnFields {
  const account = ipnAccount(step.subscriptionKey, step.payee);
  const amount = formatMinor(step.amountMinor, step.currency);
  const zero = formatMinor(0, step.currency);
  const unpaid = txnType === 'recurring_payment_failed' || txnType === 'recurring_payment_skipped';
  return [
    ['payment_cycle', 'Monthly'],
    ['txn_type', txnType],
    ['last_name', account.payer.last],
    ['next_payment_date', formatPaymentDate(step.createdAt + MONTH_SECONDS)],
    ['residence_country', 'US'],
    ['initial_payment_amount', zero],
    ['rp_invoice_id', step.orderId],
    ['currency_code', step.currency],
    ['time_created', formatPaymentDate(created)],
    ['verify_sign', ''],
    ['period_type', 'Regular'],
    ['payer_status', 'verified'],
    ['test_ipn', '1'],
    ['tax', zero],
    ['payer_email', account.payer.email],
    ['first_name', account.payer.first],
    ['receiver_email', account.payee],
    ['payer_id', account.payer.payerId],
    ['product_type', '1'],
    ['shipping', zero],
    ['amount_per_cycle', amount],
    ['profile_status', profileStatusOf[txnType] ?? 'Active'],
    ['charset', account.charset],
    ['notify_version', IPN_NOTIFY_VERSION],
    ['amount', amount],
    ['outstanding_balance', unpaid ? amount : zero],
    ['recurring_payment_id', profile],
    ['product_name', account.item],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
}

/** When the subscription began: the time of its first step (the order's earlier steps, or this one). */
export function startOf(step: SubscriptionStep, earlier: readonly LifecycleStep[]): number {
  const first = earlier.find((s) => !isPaymentStep(s) && s.subscriptionKey === step.subscriptionKey);
  return first?.createdAt ?? step.createdAt;
}

function cyclePayment(step: SubscriptionStep, created: number): IpnFields {
  const account = ipnAccount(step.subscriptionKey, step.payee);
  const gross = formatMinor(step.amountMinor, step.currency);
  const zero = formatMinor(0, step.currency);
  const fee = formatMinor(Math.round(step.amountMinor * 0.029) + 30, step.currency);
  const usd = step.currency === 'USD';
  return [
    ['mc_gross', gross],
    ['period_type', 'Regular'],
    ['outstanding_balance', zero],
    ['next_payment_date', formatPaymentDate(step.createdAt + MONTH_SECONDS)],
    ['protection_eligibility', 'Ineligible'],
    ['payment_cycle', 'Monthly'],
    ['tax', zero],
    ['payer_id', account.payer.payerId],
    ['payment_date', formatPaymentDate(step.createdAt)],
    ['payment_status', 'Completed'],
    ['product_name', account.item],
    ['charset', account.charset],
    ['rp_invoice_id', step.orderId],
    ['recurring_payment_id', profileId(step.subscriptionKey)],
    ['first_name', account.payer.first],
    ['mc_fee', fee],
    ['notify_version', IPN_NOTIFY_VERSION],
    ['amount_per_cycle', gross],
    ['payer_status', 'verified'],
    ['currency_code', step.currency],
    ['business', account.payee],
    ['verify_sign', ''],
    ['payer_email', account.payer.email],
    ['initial_payment_amount', zero],
    ['profile_status', 'Active'],
    ['amount', gross],
    ['txn_id', paypalId(`txn:${step.invoiceKey ?? step.eventKey}`, 17)],
    ['payment_type', 'instant'],
    ['last_name', account.payer.last],
    ['receiver_email', account.payee],
    ['payment_fee', usd ? fee : ''],
    ['receiver_id', paypalId(`receiver:${account.payee}`, 13)],
    ['txn_type', 'recurring_payment'],
    ['mc_currency', step.currency],
    ['residence_country', 'US'],
    ['test_ipn', '1'],
    ['transaction_subject', account.item],
    ['payment_gross', usd ? gross : ''],
    ['shipping', zero],
    ['product_type', '1'],
    ['time_created', formatPaymentDate(created)],
    ['ipn_track_id', paypalId(`track:${step.eventKey}`, 13).toLowerCase()],
  ];
}

/** The IPNs for a step of a recurring payments profile; none for a return to `active` (PayPal sends no notice). */
function recurringIpns(step: SubscriptionStep, earlier: readonly LifecycleStep[]): IpnFields[] {
  const created = startOf(step, earlier);
  const profile = profileId(step.subscriptionKey);
  switch (step.kind) {
    case 'invoice_paid':
      return [cyclePayment(step, created)];
    case 'invoice_failed':
      return [profileNotice(step, 'recurring_payment_failed', profile, created)];
    case 'subscription_status':
      if (step.first === true) return [profileNotice(step, 'recurring_payment_profile_created', profile, created)];
      if (step.status === 'canceled') {
        return [profileNotice(step, 'recurring_payment_profile_cancel', profile, created)];
      }
      if (step.status === 'past_due' || step.status === 'unpaid') {
        return [profileNotice(step, 'recurring_payment_suspended_due_to_max_failed_payment', profile, created)];
      }
      return [];
  }
}

export const paypalRecurringFamily: EventFamily<Record<string, string>> = {
  title: 'Recurring payments profiles (recurring_payment*)',
  factKinds: ['subscription_status', 'invoice_paid', 'invoice_failed'],
  buildEvents(step, earlier) {
    if (isPaymentStep(step)) return null;
    return recurringIpns(step, earlier).map((fields) => {
      const event = ipnEvent(fields);
      return { event, eventId: builtIpnId(event) };
    });
  },
};

type ProfileStatus = NonNullable<LifecycleFact['subscription']>['status'];
const statusOfNotice: Partial<Record<PaypalRecurringTxnType, ProfileStatus>> = {
  recurring_payment_profile_created: 'active',
  // Suspended by PayPal after the last retry, or by the merchant: not paying, not (yet) ended.
  recurring_payment_suspended: 'past_due',
  recurring_payment_suspended_due_to_max_failed_payment: 'past_due',
  recurring_payment_profile_cancel: 'canceled',
  recurring_payment_expired: 'canceled',
};

/** What a profile notice or cycle payment says about the order named in `rp_invoice_id`. */
export function recurringIpnFact(event: PaypalRecurringIpn, eventId: string): LifecycleFact | null {
  const currency = event.currency_code;
  const base = { eventId, orderId: event.rp_invoice_id, currency };
  if (event.txn_type === 'recurring_payment') {
    const occurredAt = ipnTime(event.payment_date);
    const amountMinor = parseDecimal(event.mc_gross, event.mc_currency);
    if (occurredAt === null || amountMinor === null) return null;
    if (event.payment_status === 'Completed') {
      return { ...base, kind: 'invoice_paid', occurredAt, amountMinor, invoice: { id: event.txn_id } };
    }
    return event.payment_status === 'Pending' ? { ...base, kind: 'pending', occurredAt, amountMinor } : null;
  }
  const occurredAt = ipnTime(event.time_created);
  const amountMinor = parseDecimal(event.amount_per_cycle, currency);
  if (occurredAt === null || amountMinor === null) return null;
  if (event.txn_type === 'recurring_payment_failed' || event.txn_type === 'recurring_payment_skipped') {
    return { ...base, kind: 'invoice_failed', occurredAt, amountMinor };
  }
  const status = statusOfNotice[event.txn_type];
  if (status === undefined) return null;
  return {
    ...base,
    kind: 'subscription_status',
    occurredAt,
    amountMinor,
    subscription: { id: event.recurring_payment_id, status },
  };
}
