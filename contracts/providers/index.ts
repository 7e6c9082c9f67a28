import { didYouMean } from '../did-you-mean.js';
import { IpnError } from '../errors.js';
import type { EventFamily, Provider } from '../provider.js';
import { adyen } from './adyen.js';
import { mollie } from './mollie.js';
import { paddle, paddleFamilies } from './paddle.js';
import { paypalIpn, paypalIpnFamilies } from './paypal-ipn.js';
import { paypalRest } from './paypal-rest.js';
import { razorpay } from './razorpay.js';
import { shopify } from './shopify.js';
import { square } from './square.js';
import { standardWebhooks, standardWebhooksFamilies } from './standard-webhooks.js';
import { stripe, stripeFamilies } from './stripe.js';
import { x } from './x.js';

export { type AdyenEvent, adyen } from './adyen.js';
export { mollie } from './mollie.js';
export { type PaddleEvent, paddle } from './paddle.js';
export { type PaypalIpn, paypalIpn } from './paypal-ipn.js';
export { type PaypalRestEvent, paypalRest } from './paypal-rest.js';
export { type RazorpayEvent, razorpay } from './razorpay.js';
export { type ShopifyEvent, shopify } from './shopify.js';
export { type SquareEvent, square } from './square.js';
export { type StandardPaymentEvent, standardWebhooks } from './standard-webhooks.js';
export { type StripeEvent, stripe } from './stripe.js';
export { type XEvent, x } from './x.js';

/** Every built-in provider, by id. */
export const providers = {
  stripe: stripe as Provider,
  'standard-webhooks': standardWebhooks as Provider,
  paddle: paddle as Provider,
  razorpay: razorpay as Provider,
  shopify: shopify as Provider,
  square: square as Provider,
  'paypal-ipn': paypalIpn as Provider,
  'paypal-rest': paypalRest as Provider,
  adyen: adyen as Provider,
  x: x as Provider,
  mollie: mollie as Provider,
} as const satisfies Record<string, Provider>;

export type ProviderId = keyof typeof providers;
export const providerIds = Object.keys(providers) as ProviderId[];

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(providers, id);
}

export function providerById(id: string): Provider {
  if (!isProviderId(id)) {
    throw new IpnError(
      'IPN_ERR_UNKNOWN_PROVIDER',
      `unknown provider "${id}"; known: ${providerIds.join(', ')}.${didYouMean(id, providerIds)}`,
    );
  }
  return providers[id];
}

/**
 * The event families each provider has beside its default one (Stripe's checkout, subscription and dispute; PayPal
 * IPN's subscriptions, recurring payments profiles and carts; Paddle's and Standard Webhooks' subscriptions). Not on
 * the providers above: a run sends a family only when the receiver's profile names it.
 */
export const providerFamilies: Readonly<Record<ProviderId, Readonly<Record<string, EventFamily>>>> = {
  stripe: stripeFamilies,
  'standard-webhooks': standardWebhooksFamilies,
  paddle: paddleFamilies,
  razorpay: {},
  shopify: {},
  square: {},
  'paypal-ipn': paypalIpnFamilies,
  'paypal-rest': {},
  adyen: {},
  x: {},
  mollie: {},
};

/** The provider carrying every family it has, for a profile to choose from (`applyProfile` keeps only those named). */
export function withFamilies(provider: Provider): Provider {
  const families = isProviderId(provider.id) ? providerFamilies[provider.id] : {};
  return { ...provider, families: { ...families, ...provider.families } };
}
