import { IpnError } from '../errors.js';
import type { Provider } from '../provider.js';
import { standardWebhooks } from './standard-webhooks.js';
import { stripe } from './stripe.js';

export { type StandardPaymentEvent, standardWebhooks } from './standard-webhooks.js';
export { type StripeEvent, stripe } from './stripe.js';

/** Every built-in provider, by id. */
export const providers = {
  stripe: stripe as Provider,
  'standard-webhooks': standardWebhooks as Provider,
} as const satisfies Record<string, Provider>;

export type ProviderId = keyof typeof providers;
export const providerIds = Object.keys(providers) as ProviderId[];

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(providers, id);
}

export function providerById(id: string): Provider {
  if (!isProviderId(id)) {
    throw new IpnError('IPN_ERR_UNKNOWN_PROVIDER', `unknown provider "${id}"; known: ${providerIds.join(', ')}.`);
  }
  return providers[id];
}
