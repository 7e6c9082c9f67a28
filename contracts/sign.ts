import { randomBytes } from 'node:crypto';
import { systemClock, unixSeconds } from './clock.js';
import { parseDecimal } from './money.js';
import { type PaymentStep, type Provider, signedRequest } from './provider.js';
import { providerById } from './providers/index.js';

/**
 * Helpers for a receiver's own unit tests: a correctly signed request for any provider, in its exact wire format,
 * ready for `fastify.inject()`, `supertest` or `fetch`. No network, no gateway.
 *
 *   const request = signedPayment({ provider: 'stripe', secret, orderId: 'ord_1', amount: '49.99', currency: 'USD' });
 *   await app.inject({ method: 'POST', url: '/webhooks/stripe', headers: request.headers, payload: request.body });
 */
export interface SignedTestRequest {
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  /** The exact bytes the gateway sends (a Buffer, so every HTTP test client takes it). */
  readonly body: Buffer;
  /** The provider's event identity, what the receiver should deduplicate on. */
  readonly eventId: string;
}

export interface SignedPaymentOptions {
  /** A built-in provider id or a provider defined with `defineProvider`. */
  readonly provider: string | Provider;
  readonly secret: string;
  readonly orderId: string;
  /** Decimal amount in major units, as the probe contract carries it ("49.99"). */
  readonly amount: string;
  readonly currency: string;
  /** What happened to the payment (default `succeeded`). */
  readonly kind?: PaymentStep['kind'];
  /** Unix seconds signed into the request (default: now). */
  readonly timestamp?: number;
  /** Fixes the event id (default: random), e.g. to send the same event twice. */
  readonly eventKey?: string;
  /** The receiver's URL, for schemes that sign it (Square). */
  readonly notificationUrl?: string;
  /**
   * PayPal IPN: the fake gateway's key, so that `ipn-gauntlet gateway --gateway-key K` answers VERIFIED to the request
   * (without it `verify_sign` stays empty and any postback is INVALID). The secret is the merchant's receiver_email.
   */
  readonly gatewayKey?: string;
}

export function signedPayment(options: SignedPaymentOptions): SignedTestRequest {
  const provider = typeof options.provider === 'string' ? providerById(options.provider) : options.provider;
  const currency = options.currency.toUpperCase();
  const amountMinor = minorUnits(options.amount, currency);
  const key = options.eventKey ?? randomBytes(8).toString('hex');
  const timestamp = options.timestamp ?? unixSeconds(systemClock);
  const kind = options.kind ?? 'succeeded';
  const step: PaymentStep = {
    kind,
    eventKey: key,
    orderId: options.orderId,
    paymentKey: key,
    amountMinor,
    currency,
    createdAt: timestamp,
    ...(provider.payeeOf === undefined ? {} : { payee: options.secret }),
    ...(kind === 'refunded' ? { refund: { key, amountMinor, cumulativeMinor: amountMinor } } : {}),
  };
  const { event, eventId } = provider.buildEvent(step);
  const body = provider.encode(event);
  const request = signedRequest(provider, {
    body,
    eventId,
    deliveryId: `dlv_${key}`,
    secrets: [options.secret],
    timestamp,
    ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
    ...(options.gatewayKey === undefined ? {} : { gatewayKey: options.gatewayKey }),
  });
  return { method: 'POST', headers: { ...request.headers }, body: Buffer.from(request.body), eventId };
}

function minorUnits(amount: string, currency: string): number {
  const minor = parseDecimal(amount, currency);
  if (minor === null || minor <= 0) {
    throw new RangeError(`amount "${amount}" is not a positive decimal such as "49.99" in ${currency}`);
  }
  return minor;
}
