/**
 * What a PayPal IPN receiver deduplicates on (docs/decisions/0026-paypal-paddle-standard-families.md):
 * - a message about a transaction (`web_accept`, `cart`, `subscr_payment`, `recurring_payment`, refunds): `txn_id` +
 *   `payment_status`, so Pending → Completed under one `txn_id` are two events (django-paypal, WooCommerce);
 * - a notice about a subscription or profile that happens once in its life (signup, cancel, end of term, profile
 *   created or cancelled): its `subscr_id` / `recurring_payment_id` + `txn_type`;
 * - a notice that may repeat (a failed, skipped or suspended payment, a change of terms): that + `ipn_track_id`, the
 *   id of the message, which receivers keep to skip a message already handled (WooCommerce Subscriptions).
 */
export const PAYPAL_IPN_EVENT_ID_SOURCE =
  'txn_id + payment_status (a Pending → Completed pair under one txn_id is two events); a subscription or profile ' +
  'notice without a txn_id: subscr_id / recurring_payment_id + txn_type (+ ipn_track_id for notices that repeat)';

const ONCE_PER_PROFILE: ReadonlySet<string> = new Set([
  'subscr_signup',
  'subscr_cancel',
  'subscr_eot',
  'recurring_payment_profile_created',
  'recurring_payment_profile_cancel',
  'recurring_payment_expired',
]);

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

export function ipnEventId(envelope: Readonly<Record<string, unknown>>): string | null {
  const { txn_id, payment_status, txn_type, subscr_id, recurring_payment_id, ipn_track_id } = envelope;
  if (nonEmpty(txn_id) && nonEmpty(payment_status)) return `${txn_id}:${payment_status}`;
  const profile = nonEmpty(subscr_id) ? subscr_id : nonEmpty(recurring_payment_id) ? recurring_payment_id : null;
  if (profile === null || !nonEmpty(txn_type)) return null;
  if (ONCE_PER_PROFILE.has(txn_type)) return `${profile}:${txn_type}`;
  return nonEmpty(ipn_track_id) ? `${profile}:${txn_type}:${ipn_track_id}` : null;
}

/** The id of an event built here: every one has the fields its id needs. */
export function builtIpnId(event: Readonly<Record<string, string>>): string {
  const id = ipnEventId(event);
  if (id === null) throw new RangeError(`a ${event.txn_type ?? 'payment'} IPN built without the fields of its id`);
  return id;
}
