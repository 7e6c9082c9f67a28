import type { FetchApi, Provider } from '../../../contracts/provider.js';
import type { GatewayAnswer, GatewayEndpoint, GatewayRoutes } from '../endpoint.js';

/** Where the real gateways serve the objects their webhooks name, by provider id (the msw handlers listen there). */
const fetchOrigins: Readonly<Record<string, readonly string[]>> = { mollie: ['https://api.mollie.com'] };

/**
 * The object API of every provider whose webhook carries only an id (Mollie: `GET /v2/payments/:id`): the payment as
 * of the webhook that named it, stateless (the id carries the state and the gateway's MAC). Mollie's error shape
 * (`application/hal+json` `{status, title, detail, _links}`): 401 without a Bearer API key of the right format (or, when
 * the gateway was given the run's keys, without one of them), 404 for an id the gateway never issued.
 */
export const fetchRoutes: GatewayRoutes = (providers) =>
  providers.flatMap((provider): GatewayEndpoint[] =>
    provider.fetch === undefined ? [] : [fetchOf(provider, provider.fetch)],
  );

function fetchOf(provider: Provider, api: FetchApi): GatewayEndpoint {
  return {
    method: 'GET',
    path: api.route,
    origins: fetchOrigins[provider.id] ?? [],
    name: `${provider.id} payments`,
    answer(request, context) {
      const authorization = request.header('authorization');
      const known = context.apiKeys.length === 0 || context.apiKeys.some((key) => authorization === `Bearer ${key}`);
      if (!api.authorizes(authorization) || !known) {
        return errorAnswer(api, 401, 'Missing authentication, or failed to authenticate');
      }
      const id = request.params.id ?? '';
      const found = api.lookup(id);
      if (found === null) return errorAnswer(api, 404, `No payment exists with token ${id.slice(0, 64)}.`);
      return {
        status: 200,
        headers: { 'content-type': 'application/hal+json' },
        body: new TextDecoder().decode(found),
      };
    },
  };
}

function errorAnswer(api: FetchApi, status: 401 | 404, detail: string): GatewayAnswer {
  const error = api.error(status, detail);
  return { status, headers: { 'content-type': error.contentType }, body: error.body };
}
