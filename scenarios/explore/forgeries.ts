import type { Provider } from '../../contracts/provider.js';
import { paypalRestHeaders } from '../../contracts/providers/paypal-rest.js';
import { ATTACKER_PRIVATE_KEY_PEM } from '../../contracts/providers/paypal-rest-certificates.js';
import type { GatewayEvent } from '../../simulator/events.js';
import { fetchForgery, fetchForgeryNames } from '../../simulator/faults/fetch-forge.js';
import { forgery, forgeryNames } from '../../simulator/faults/forge.js';
import { postbackForgery, postbackForgeryNames } from '../../simulator/faults/postback-forge.js';
import { type Delivery, deliveryOf, type SigningContext } from '../../simulator/plan.js';

/**
 * The forgeries an explored plan can send, by how the provider's receivers know a delivery is genuine: damaged
 * signatures (signed gateways), IPNs the gateway never sent or changed after sending (postback, PayPal IPN), ids
 * never issued and lying posted fields (fetch, Mollie), and for a certificate scheme (PayPal REST) signatures by the
 * attacker's key, under the genuine certificate URL or one on the attacker's own host (the explore's canary).
 */
const SHOWN_POSTBACK_FORGERIES: ReadonlySet<string> = new Set([
  'never sent by the gateway',
  'mc_gross changed after sending',
]);
const ANOTHER_KEY = 'signed by another key under the genuine cert URL';
const FOREIGN_CERT = "cert URL on a foreign host serving the attacker's certificate";
const CERT_PATH = '/v1/notifications/certs/CERT-attacker';

export function exploreForgeryNames(provider: Provider): string[] {
  // An IPN the gateway never sent but that says what the genuine one says (same fields re-encoded or reordered, or
  // paid to another account, which a correct receiver ignores) leaves the same state once the genuine IPN is in, as
  // every explored plan delivers it: only a changed amount can show, and a forgery answered with a crash.
  if (provider.postback !== undefined) {
    return postbackForgeryNames({ provider }).filter((name) => SHOWN_POSTBACK_FORGERIES.has(name));
  }
  if (provider.fetch !== undefined) return fetchForgeryNames(provider);
  const certificate = provider.certificateUrlHeader === undefined ? [] : [ANOTHER_KEY, FOREIGN_CERT];
  return [...forgeryNames(provider), ...certificate];
}

/** Where a forgery's certificate lives: the attacker's loopback host (`127.0.0.1:port`), for certificate schemes. */
export interface ForgeryContext {
  readonly signing: SigningContext;
  readonly canary?: string;
}

/** One named forgery of an event (`other`: a genuine event of another order, whose signature one forgery borrows). */
export function exploreForgery(
  { signing, canary }: ForgeryContext,
  name: string,
  event: GatewayEvent,
  other: GatewayEvent,
): Delivery | string {
  const { provider } = signing;
  if (!exploreForgeryNames(provider).includes(name)) return `${provider.id} has no forgery "${name}"`;
  if (provider.postback !== undefined) {
    if (signing.gatewayKey === undefined) return 'no gateway key to seal IPNs with';
    return postbackForgery(signing, name, event);
  }
  if (provider.fetch !== undefined) return fetchForgery(signing, name, event);
  if (name === ANOTHER_KEY || name === FOREIGN_CERT) {
    if (name === FOREIGN_CERT && canary === undefined) return 'no attacker host to name';
    const certUrl = name === FOREIGN_CERT ? `http://${canary}${CERT_PATH}` : undefined;
    return deliveryOf(signing, event, {
      headers: (headers, nowSeconds) => ({
        ...headers,
        ...paypalRestHeaders(
          { body: event.body, secrets: [signing.secret], timestamp: nowSeconds, eventId: event.eventId },
          { privateKeyPem: ATTACKER_PRIVATE_KEY_PEM, ...(certUrl === undefined ? {} : { certUrl }) },
        ),
      }),
      fault: { kind: 'forged', detail: name },
      expect: 'reject',
    });
  }
  if (name === "another event's signature" && other.eventId === event.eventId) return `"${name}" needs a second event`;
  return forgery(signing, name, event, other);
}
