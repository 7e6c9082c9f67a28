import type { Provider } from '../../../contracts/provider.js';
import { type GatewayEndpoint, type GatewayRoutes, textAnswer } from '../endpoint.js';

/** Where the real gateways answer postbacks, by provider id (the msw handlers listen there). */
const postbackOrigins: Readonly<Record<string, readonly string[]>> = {
  'paypal-ipn': ['https://ipnpb.paypal.com', 'https://ipnpb.sandbox.paypal.com'],
};

/**
 * The postback of every provider that has one (PayPal classic IPN: `POST /cgi-bin/webscr` with
 * `cmd=_notify-validate&<the IPN's exact bytes>`) → `VERIFIED` when the bytes are exactly a message the gateway sent
 * (same fields, order and encoding), else `INVALID`. Stateless: the gateway recognises its messages by their mark
 * (`Postback.sealed` with the key), so any process with the key answers the same. Hosts are ignored (live and sandbox
 * alike); `?cmd=_notify-validate` with the raw body unchanged is answered too (docs/providers.md §2.2).
 */
export const postbackRoutes: GatewayRoutes = (providers) =>
  providers.flatMap((provider): GatewayEndpoint[] => (provider.postback === undefined ? [] : [postbackOf(provider)]));

function postbackOf(provider: Provider): GatewayEndpoint {
  return {
    method: 'POST',
    path: provider.postback?.path ?? '',
    origins: postbackOrigins[provider.id] ?? [],
    name: `${provider.id} postback`,
    answer(request, context) {
      const postback = provider.postback;
      if (postback === undefined) return textAnswer(404, 'Not Found');
      const original = request.query.get('cmd') === '_notify-validate' ? request.body : postback.original(request.body);
      const genuine = original !== null && original.length > 0 && postback.sealed(original, context.key);
      return textAnswer(200, genuine ? postback.verified : postback.invalid);
    },
  };
}
