import { createHash } from 'node:crypto';
import type { FactKind } from '../contracts/lifecycle.js';
import { currencyExponent } from '../contracts/money.js';
import type { LifecycleStep, PaymentStep, Provider, SubscriptionStep } from '../contracts/provider.js';
import type { Random } from './random.js';

/**
 * The seeded world of the fake gateway: merchants' orders and, per order, the truth of what happened to its payment.
 * Each lifecycle is a realistic sequence of provider-neutral steps with increasing gateway times.
 */
export const lifecycleKinds = [
  'paid',
  'failed-then-paid',
  'failed',
  'pending',
  'partially-refunded',
  'refunded-in-two-parts',
  'mismatched-amount',
  'mismatched-currency',
  'reversed',
  'reversal-canceled',
  'paid-directly',
  'mismatched-amount-directly',
  'subscription-renewed',
  'subscription-activated',
  'subscription-past-due',
  'subscription-canceled',
] as const;
export type LifecycleKind = (typeof lifecycleKinds)[number];

/** The fact kinds each lifecycle is made of; a provider can only play lifecycles whose kinds it can express. */
const kindsOf: Record<LifecycleKind, readonly FactKind[]> = {
  paid: ['pending', 'succeeded'],
  'failed-then-paid': ['pending', 'failed', 'succeeded'],
  failed: ['pending', 'failed'],
  pending: ['pending'],
  'partially-refunded': ['succeeded', 'refunded'],
  'refunded-in-two-parts': ['succeeded', 'refunded'],
  'mismatched-amount': ['pending', 'succeeded'],
  'mismatched-currency': ['succeeded'],
  reversed: ['succeeded', 'reversed'],
  'reversal-canceled': ['succeeded', 'reversed', 'reversal_canceled'],
  'paid-directly': ['succeeded'],
  'mismatched-amount-directly': ['succeeded'],
  'subscription-renewed': ['subscription_status', 'invoice_paid'],
  'subscription-activated': ['subscription_status', 'invoice_paid'],
  'subscription-past-due': ['subscription_status', 'invoice_paid', 'invoice_failed'],
  'subscription-canceled': ['subscription_status', 'invoice_paid'],
};

/** The fact kinds a provider's events can express: its default family's and every family it carries. */
export function expressibleKinds(provider: Pick<Provider, 'factKinds' | 'families'>): ReadonlySet<FactKind> {
  return new Set<FactKind>([
    ...provider.factKinds,
    ...Object.values(provider.families ?? {}).flatMap((family) => family.factKinds),
  ]);
}

/** Whether a provider's events can express every step of a lifecycle. */
export function canPlay(provider: Pick<Provider, 'factKinds' | 'families'>, lifecycle: LifecycleKind): boolean {
  const kinds = expressibleKinds(provider);
  return kindsOf[lifecycle].every((kind) => kinds.has(kind));
}

/** The first of the preferred lifecycles the provider can play, else a payment made at once (every gateway has one). */
export function playable(
  provider: Pick<Provider, 'factKinds' | 'families'>,
  preferred: readonly LifecycleKind[],
): LifecycleKind[] {
  const kinds = preferred.filter((kind) => canPlay(provider, kind));
  if (kinds.length > 0) return kinds;
  return canPlay(provider, 'paid-directly') ? ['paid-directly'] : [];
}

export interface WorldOrder {
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly customer: string;
  readonly lifecycle: LifecycleKind;
  readonly steps: readonly LifecycleStep[];
}

export interface World {
  readonly runId: string;
  /**
   * A new order with the given lifecycle; orders are numbered in the order they are asked for. The currency is drawn
   * from the seed unless given (consistency.amount asks for zero- and three-decimal ones).
   */
  order(lifecycle: LifecycleKind, options?: { readonly currency?: string }): WorldOrder;
  /**
   * The twin of an order: the same terms and the same lifecycle at the same gateway times, under its own order id and
   * event ids. The receiver's result for the twin's events delivered plainly is what an order's variant (duplicated,
   * reordered, reformatted…) is compared with.
   */
  twin(order: WorldOrder): WorldOrder;
}

const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD'] as const;

/** A twin's ids: the original's with this suffix (its order id stays in the probe's safe alphabet). */
const TWIN_SUFFIX = 't';

export type OrderIdForm = 'prefixed' | 'uuid' | 'integer';

/**
 * Order ids in the receiver's form, from the gauntlet's own (`ord_<run>_001`, a twin's with `t`): that id itself, a
 * UUID (version 4 layout) or a positive integer derived from it by hashing, so they are fresh for each run and replay
 * from the seed; a twin gets an id of the same form.
 */
function orderIdMaker(runId: string, form: OrderIdForm): (own: string, twin: boolean) => string {
  return (own, twin) => {
    if (form === 'prefixed') return twin ? `${own}${TWIN_SUFFIX}` : own;
    const hex = createHash('sha256')
      .update(`${runId}:${own}:${twin ? 'twin' : ''}`)
      .digest('hex');
    if (form === 'integer') return String(1_000_000_000 + (Number.parseInt(hex.slice(0, 12), 16) % 8_000_000_000));
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Number.parseInt(hex[16] ?? '0', 16) % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}

export function createWorld(options: {
  random: Random;
  runId: string;
  startSeconds: number;
  /** The merchant account every payment is paid to, for providers whose events name it (PayPal `receiver_email`). */
  payee?: string;
  /** The form of order ids the receiver uses (a receiver profile's `orderIds`); default the gauntlet's own. */
  orderIds?: OrderIdForm;
  /** The currencies orders are drawn from (a receiver profile's `currencies`); default a mix of exponents 2 and 0. */
  currencies?: readonly string[];
}): World {
  const { random, runId, payee } = options;
  const pool = options.currencies ?? currencies;
  const idOf = orderIdMaker(runId, options.orderIds ?? 'prefixed');
  let count = 0;
  let clock = options.startSeconds;
  return {
    runId,
    twin(order) {
      const orderId = idOf(order.orderId, true);
      return {
        ...order,
        orderId,
        steps: order.steps.map((step): LifecycleStep => {
          const eventKey = `${step.eventKey}${TWIN_SUFFIX}`;
          if ('subscriptionKey' in step) {
            return {
              ...step,
              orderId,
              eventKey,
              subscriptionKey: `${step.subscriptionKey}${TWIN_SUFFIX}`,
              ...(step.invoiceKey === undefined ? {} : { invoiceKey: `${step.invoiceKey}${TWIN_SUFFIX}` }),
            };
          }
          return {
            ...step,
            orderId,
            eventKey,
            paymentKey: `${step.paymentKey}${TWIN_SUFFIX}`,
            ...(step.refund === undefined
              ? {}
              : { refund: { ...step.refund, key: `${step.refund.key}${TWIN_SUFFIX}` } }),
          };
        }),
      };
    },
    order(lifecycle, options = {}) {
      count += 1;
      const orderId = idOf(`ord_${runId}_${String(count).padStart(3, '0')}`, false);
      // The draw happens either way, so asking for a currency does not shift what the seed gives later orders.
      const drawn = random.pick(pool);
      const currency = options.currency?.toUpperCase() ?? drawn;
      const exponent = currencyExponent(currency);
      // Whole hundreds of yen; three-decimal amounts (KWD) with a last digit of 0, as their prices usually are.
      const amountMinor =
        exponent === 0 ? random.int(5, 500) * 100 : random.int(500, 50_000) * (exponent === 3 ? 10 : 1);
      const customer = random.faker.person.fullName();
      let stepNo = 0;
      let attempt = 0;
      const steps: LifecycleStep[] = [];
      const paymentKey = () => `${runId}${String(count).padStart(3, '0')}${random.id(8)}p${attempt}`;
      let payment = paymentKey();
      const step = (
        kind: PaymentStep['kind'],
        extra: Partial<Pick<PaymentStep, 'amountMinor' | 'currency' | 'refund'>> = {},
      ) => {
        stepNo += 1;
        clock += random.int(1, 90);
        steps.push({
          kind,
          eventKey: `${runId}${String(count).padStart(3, '0')}${String(stepNo).padStart(2, '0')}${random.id(6)}`,
          orderId,
          paymentKey: payment,
          amountMinor,
          currency,
          createdAt: clock,
          ...(payee === undefined ? {} : { payee }),
          ...extra,
        });
      };
      const retry = () => {
        attempt += 1;
        payment = paymentKey();
      };
      const refund = (amount: number, cumulative: number) =>
        step('refunded', {
          refund: { key: `${runId}${count}r${random.id(8)}`, amountMinor: amount, cumulativeMinor: cumulative },
        });
      // A subscription: the plan's price is the order's amount, each invoice pays it once.
      const subscription = `${runId}${String(count).padStart(3, '0')}${random.id(8)}s`;
      let invoices = 0;
      const subscriptionStep = (kind: SubscriptionStep['kind'], extra: Partial<SubscriptionStep> = {}) => {
        stepNo += 1;
        clock += random.int(1, 90);
        steps.push({
          kind,
          eventKey: `${runId}${String(count).padStart(3, '0')}${String(stepNo).padStart(2, '0')}${random.id(6)}`,
          orderId,
          subscriptionKey: subscription,
          amountMinor,
          currency,
          createdAt: clock,
          ...(payee === undefined ? {} : { payee }),
          ...extra,
        });
      };
      const status = (value: NonNullable<SubscriptionStep['status']>, first = false) =>
        subscriptionStep('subscription_status', { status: value, ...(first ? { first } : {}) });
      const invoice = (kind: 'invoice_paid' | 'invoice_failed') => {
        invoices += 1;
        subscriptionStep(kind, { invoiceKey: `${subscription}i${invoices}` });
      };

      switch (lifecycle) {
        case 'paid':
          step('pending');
          step('succeeded');
          break;
        case 'failed-then-paid':
          step('pending');
          step('failed');
          retry();
          step('pending');
          step('succeeded');
          break;
        case 'failed':
          step('pending');
          step('failed');
          break;
        case 'pending':
          step('pending');
          break;
        case 'partially-refunded': {
          step('succeeded');
          const part = Math.max(1, Math.floor(amountMinor / random.int(2, 5)));
          refund(part, part);
          break;
        }
        case 'refunded-in-two-parts': {
          step('succeeded');
          const first = Math.max(1, Math.floor(amountMinor / 2));
          refund(first, first);
          refund(amountMinor - first, amountMinor);
          break;
        }
        case 'mismatched-amount':
          step('pending');
          step('succeeded', {
            amountMinor: Math.max(1, amountMinor - random.int(1, Math.max(1, Math.floor(amountMinor / 2)))),
          });
          break;
        case 'mismatched-currency':
          step('succeeded', { currency: currency === 'EUR' ? 'USD' : 'EUR' });
          break;
        case 'reversed':
          step('succeeded');
          step('reversed');
          break;
        case 'reversal-canceled':
          step('succeeded');
          step('reversed');
          step('reversal_canceled');
          break;
        case 'paid-directly':
          step('succeeded');
          break;
        case 'mismatched-amount-directly':
          step('succeeded', {
            amountMinor: Math.max(1, amountMinor - random.int(1, Math.max(1, Math.floor(amountMinor / 2)))),
          });
          break;
        case 'subscription-renewed':
          status('active', true);
          invoice('invoice_paid');
          invoice('invoice_paid');
          break;
        case 'subscription-activated':
          status('incomplete', true);
          invoice('invoice_paid');
          status('active');
          break;
        case 'subscription-past-due':
          status('active', true);
          invoice('invoice_paid');
          invoice('invoice_failed');
          status('past_due');
          break;
        case 'subscription-canceled':
          status('active', true);
          invoice('invoice_paid');
          status('canceled');
          break;
      }
      return { orderId, amountMinor, currency, customer, lifecycle, steps };
    },
  };
}
