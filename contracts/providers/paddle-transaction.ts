import { createHash } from 'node:crypto';

/**
 * Paddle Billing transactions as its webhooks render them (docs/decisions/0014-paddle-razorpay-shopify-square.md):
 * a one-off purchase, or a subscription's (its first, from checkout, and each renewal, `subscription_recurring`), the
 * merchant's order id in `custom_data.order_id` (Paddle copies a subscription's custom data onto its transactions).
 */

/** A Paddle-looking id: prefix + 26 lower-case letters and digits, derived from a key. */
export function paddleId(prefix: string, key: string): string {
  const digest = createHash('sha256').update(key).digest('hex');
  return `${prefix}_01${BigInt(`0x${digest}`).toString(36).slice(0, 24).padEnd(24, '0')}`;
}

export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export const MONTH_SECONDS = 30 * 86_400;

export interface TransactionInput {
  readonly outcome: 'pending' | 'succeeded' | 'failed';
  /** The payment's (or invoice's) key: the transaction's id and its line's. */
  readonly key: string;
  readonly eventKey: string;
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly createdAt: number;
  /** A subscription's transaction: its subscription, whether it is the first (checkout), its invoice number. */
  readonly subscription?: { readonly id: string; readonly first: boolean; readonly invoiceNumber: string };
}

export function transaction(input: TransactionInput): Record<string, unknown> {
  const amount = String(input.amountMinor);
  const at = iso(input.createdAt);
  const opened = iso(input.createdAt - 30);
  const sub = input.subscription;
  const succeeded = input.outcome === 'succeeded';
  // A renewal that cannot be collected is past due; a one-off payment stays ready for another attempt.
  const status = succeeded ? 'completed' : sub !== undefined && input.outcome === 'failed' ? 'past_due' : 'ready';
  const priceId = paddleId('pri', input.orderId);
  const productId = paddleId('pro', input.orderId);
  const lineTotals = { subtotal: amount, discount: '0', tax: '0', total: amount };
  const cycle = sub === undefined ? null : { interval: 'month', frequency: 1 };
  const payments =
    input.outcome === 'pending'
      ? []
      : [
          {
            payment_attempt_id: createHash('sha256').update(input.eventKey).digest('hex').slice(0, 32),
            stored_payment_method_id: paddleId('paymtd', input.key),
            amount,
            status: succeeded ? ('captured' as const) : ('error' as const),
            error_code: input.outcome === 'failed' ? 'declined' : null,
            method_details: {
              type: 'card',
              card: { type: 'visa', last4: '4242', expiry_month: 1, expiry_year: 2030, cardholder_name: 'Sam Buyer' },
            },
            created_at: at,
            captured_at: succeeded ? at : null,
          },
        ];
  return {
    id: paddleId('txn', input.key),
    status,
    customer_id: paddleId('ctm', input.orderId),
    address_id: paddleId('add', input.orderId),
    business_id: null,
    custom_data: { order_id: input.orderId },
    currency_code: input.currency,
    origin: sub === undefined || sub.first ? 'web' : 'subscription_recurring',
    subscription_id: sub?.id ?? null,
    invoice_id: sub !== undefined && succeeded ? paddleId('inv', input.key) : null,
    invoice_number: sub !== undefined && succeeded ? sub.invoiceNumber : null,
    collection_mode: 'automatic',
    discount_id: null,
    billing_details: null,
    billing_period: sub === undefined ? null : { starts_at: at, ends_at: iso(input.createdAt + MONTH_SECONDS) },
    items: [
      {
        price: {
          id: priceId,
          description: sub === undefined ? 'One-time purchase' : 'Monthly plan',
          product_id: productId,
          tax_mode: 'account_setting',
          billing_cycle: cycle,
          trial_period: null,
          unit_price: { amount, currency_code: input.currency },
          unit_price_overrides: [],
          quantity: { minimum: 1, maximum: 1 },
          status: 'active',
          custom_data: null,
        },
        quantity: 1,
        proration: null,
      },
    ],
    details: {
      tax_rates_used: [{ tax_rate: '0', totals: lineTotals }],
      totals: {
        subtotal: amount,
        tax: '0',
        discount: '0',
        total: amount,
        grand_total: amount,
        fee: null,
        earnings: null,
        currency_code: input.currency,
      },
      adjusted_totals: null,
      payout_totals: null,
      adjusted_payout_totals: null,
      line_items: [
        {
          id: paddleId('txnitm', input.key),
          price_id: priceId,
          quantity: 1,
          proration: null,
          tax_rate: '0',
          unit_totals: lineTotals,
          totals: lineTotals,
          product: { id: productId, name: `Order ${input.orderId}`, tax_category: 'standard', status: 'active' },
        },
      ],
    },
    payments,
    checkout: { url: null },
    created_at: opened,
    updated_at: at,
    billed_at: succeeded ? at : null,
  };
}
