import { z } from 'zod';
import type { ProviderId } from '../contracts/providers/index.js';

/**
 * The providers whose receiver asks a gateway: to check a delivery (a postback, a fetch, a certificate) or to
 * reconcile from its event list (Stripe, PayPal REST).
 */
export const gatewayProviderIds = [
  'paypal-ipn',
  'paypal-rest',
  'mollie',
  'stripe',
] as const satisfies readonly ProviderId[];
export type GatewayProviderId = (typeof gatewayProviderIds)[number];

/** A gateway's base URL: only its origin (scheme, host, port) is used; paths are the receiver's own. */
export const GatewayUrlSchema = z.string().regex(/^https?:\/\/[^/]/, 'an http:// or https:// base URL');

/**
 * A gateway per provider, beside `gatewayUrl` (the default for all three): live PayPal IPN posts back to
 * https://ipnpb.paypal.com, Mollie fetches from https://api.mollie.com, and PayPal REST fetches certificates from the
 * host its cert URL names, so one URL cannot serve all three. Set, a `paypal-rest` gateway stands in for PayPal's
 * certificate hosts (the fake gateway under the gauntlet).
 */
export const GatewaysSchema = z
  .object({
    'paypal-ipn': GatewayUrlSchema.optional(),
    'paypal-rest': GatewayUrlSchema.optional(),
    mollie: GatewayUrlSchema.optional(),
    stripe: GatewayUrlSchema.optional(),
  })
  .strict();
export type Gateways = z.infer<typeof GatewaysSchema>;

/** The environment variable that overrides `IPN_GAUNTLET_GATEWAY_URL` for one provider. */
export const gatewayEnvVars: Readonly<Record<GatewayProviderId, string>> = {
  'paypal-ipn': 'IPN_GAUNTLET_GATEWAY_URL_PAYPAL_IPN',
  'paypal-rest': 'IPN_GAUNTLET_GATEWAY_URL_PAYPAL_REST',
  mollie: 'IPN_GAUNTLET_GATEWAY_URL_MOLLIE',
  stripe: 'IPN_GAUNTLET_GATEWAY_URL_STRIPE',
};

/** The per-provider gateways set in an environment (unset and empty variables are left out). */
export function gatewaysFromEnv(env: Readonly<Record<string, string | undefined>>): Gateways {
  const gateways: { -readonly [K in GatewayProviderId]?: string } = {};
  for (const id of gatewayProviderIds) {
    const value = env[gatewayEnvVars[id]];
    if (value !== undefined && value !== '') gateways[id] = value;
  }
  return gateways;
}

/** The gateway a provider's deliveries are checked against: its own override, else the shared `gatewayUrl`. */
export function gatewayUrlFor(
  provider: string,
  options: { readonly gatewayUrl?: string | undefined; readonly gateways?: Gateways | undefined },
): string | undefined {
  const own = (gatewayProviderIds as readonly string[]).includes(provider)
    ? options.gateways?.[provider as GatewayProviderId]
    : undefined;
  return own ?? options.gatewayUrl;
}
