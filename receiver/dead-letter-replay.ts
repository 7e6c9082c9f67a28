import { isProviderId, providers } from '../contracts/providers/index.js';
import type { HeaderMap } from '../contracts/wire.js';
import type { ReceiverSecrets } from './secrets.js';
import type { DeliveryCheck } from './storage/storage.js';
import { readEnvelope } from './webhook-routes.js';

/**
 * The check a kept delivery passes again before a replay stores it in the inbox: the same envelope reading as the
 * webhook route (decode, the provider's envelope schema, the event id, and for providers whose secret is the
 * merchant's account, the payee). The signature is not checked again: it held when the delivery was kept, and its
 * timestamp has aged since.
 */
export function envelopeCheck(secrets: ReceiverSecrets): DeliveryCheck {
  return (delivery) => {
    if (!isProviderId(delivery.provider)) {
      return { ok: false, reason: `no provider "${delivery.provider}" is registered, so nothing can read its event` };
    }
    const provider = providers[delivery.provider];
    const secret = secrets[delivery.provider];
    if (provider.payeeOf !== undefined && secret === undefined) {
      return {
        ok: false,
        reason: `${provider.title} events are checked against the merchant's account: set ${provider.secretEnv}`,
      };
    }
    // As the webhook route reads it: a fetch provider's kept body is the event it fetched, read without the headers.
    const headers = provider.fetch === undefined ? (delivery.headers as HeaderMap) : {};
    const reading = readEnvelope(provider, Buffer.from(delivery.body), headers, secret ?? '');
    return reading.ok ? { ok: true, eventId: reading.eventId } : { ok: false, reason: reading.reason };
  };
}
