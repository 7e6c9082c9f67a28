import type { FetchApi, Provider } from '../../../contracts/provider.js';
import { MOLLIE_API_BASE, molliePayment } from '../../../contracts/providers/mollie-payment.js';
import { fromUtf8 } from '../../../contracts/wire.js';
import type { GatewayAnswer, GatewayContext, GatewayEndpoint, GatewayRequest, GatewayRoutes } from '../endpoint.js';
import type { LedgerRecorder } from '../ledger.js';

/** Where the real gateways serve the objects their webhooks name, by provider id (the msw handlers listen there). */
const fetchOrigins: Readonly<Record<string, readonly string[]>> = { mollie: [MOLLIE_API_BASE] };
const PAYMENT = 'mollie.payment';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 250;

/**
 * The object API of every provider whose webhook carries only an id (Mollie: `GET /v2/payments/:id`): the payment as
 * of the webhook that named it, stateless (the id carries the state and the gateway's MAC). Mollie's error shape
 * (`application/hal+json` `{status, title, detail, _links}`): 401 without a Bearer API key of the right format (or, when
 * the gateway was given the run's keys, without one of them), 404 for an id the gateway never issued. Mollie also gets
 * its payment list, `GET /v2/payments`, from the payments the run issued (the ledger).
 */
export const fetchRoutes: GatewayRoutes = (providers) =>
  providers.flatMap((provider): GatewayEndpoint[] =>
    provider.fetch === undefined
      ? []
      : [fetchOf(provider, provider.fetch), ...(provider.id === 'mollie' ? [listOf(provider, provider.fetch)] : [])],
  );

/** Keeps each Mollie payment the run issued (a webhook body `id=tr_…`), in the order first issued. */
export const recordMolliePayment: LedgerRecorder = (body, store) => {
  let id: string | null;
  try {
    id = new URLSearchParams(fromUtf8(body)).get('id');
  } catch {
    return;
  }
  if (id === null || store.get(PAYMENT, id) !== undefined) return;
  const payment = molliePayment(id);
  if (payment !== null) store.put(PAYMENT, id, payment);
};

function fetchOf(provider: Provider, api: FetchApi): GatewayEndpoint {
  return {
    method: 'GET',
    path: api.route,
    origins: fetchOrigins[provider.id] ?? [],
    name: `${provider.id} payments`,
    answer(request, context) {
      const refusal = refuse(api, request, context);
      if (refusal !== null) return refusal;
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

/** 401 without a Bearer API key of the right format, or (given the run's keys) without one of them; else null. */
function refuse(api: FetchApi, request: GatewayRequest, context: GatewayContext): GatewayAnswer | null {
  const authorization = request.header('authorization');
  const known = context.apiKeys.length === 0 || context.apiKeys.some((key) => authorization === `Bearer ${key}`);
  return api.authorizes(authorization) && known
    ? null
    : errorAnswer(api, 401, 'Missing authentication, or failed to authenticate');
}

/**
 * `GET /v2/payments` (docs.mollie.com/reference/list-payments): the payments newest first (by `createdAt`, then the
 * later issued first), `limit` 1–250 (default 50), `from` a payment id the page starts with (included), `sort` `desc`
 * (default) or `asc` (from `from` towards newer ones). Answers `{count, _embedded: {payments}, _links}` with `next` and
 * `previous` links (or null), as HAL. The fake issues one payment id per status change (docs/decisions/0019-mollie-fetch.md),
 * so each change is its own entry here, where a real Mollie lists a payment once in its current state
 * (docs/decisions/0029-mollie-payment-list.md).
 */
function listOf(provider: Provider, api: FetchApi): GatewayEndpoint {
  return {
    method: 'GET',
    path: '/v2/payments',
    origins: fetchOrigins[provider.id] ?? [],
    name: `${provider.id} payment list`,
    lists: { isLaterPage: (request) => request.query.has('from') },
    answer(request, context) {
      const refusal = refuse(api, request, context);
      if (refusal !== null) return refusal;
      const query = request.query;
      const invalid = (field: string, detail: string) => errorAnswer(api, 400, detail, field);
      const limitText = query.get('limit');
      const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        return invalid('limit', `The limit must be between 1 and ${MAX_LIMIT}.`);
      }
      const sort = query.get('sort') ?? 'desc';
      if (sort !== 'desc' && sort !== 'asc') return invalid('sort', "The sort must be either 'desc' or 'asc'.");
      const newestFirst = context.ledger.store
        .list(PAYMENT)
        .map((value, index) => ({ payment: value as { id: string; createdAt: string }, index }))
        .map(({ payment, index }) => ({ payment, index, at: Date.parse(payment.createdAt) }))
        .sort((a, b) => b.at - a.at || b.index - a.index)
        .map(({ payment }) => payment);
      const all = sort === 'desc' ? newestFirst : [...newestFirst].reverse();
      const from = query.get('from');
      const at = from === null ? 0 : all.findIndex((payment) => payment.id === from);
      // UNCONFIRMED: what Mollie answers for a `from` it does not know; here the fetch's 404.
      if (at === -1) return errorAnswer(api, 404, `No payment exists with token ${(from ?? '').slice(0, 64)}.`);
      const page = all.slice(at, at + limit);
      const origin = request.origin;
      const link = (start: number | null) => {
        if (start === null) return null;
        const params = new URLSearchParams(query);
        params.set('from', all[start]?.id ?? '');
        params.set('limit', String(limit));
        return { href: `${origin}/v2/payments?${params}`, type: 'application/hal+json' };
      };
      const self = query.toString();
      return {
        status: 200,
        headers: { 'content-type': 'application/hal+json' },
        body: JSON.stringify({
          count: page.length,
          _embedded: { payments: page },
          _links: {
            self: { href: `${origin}/v2/payments${self === '' ? '' : `?${self}`}`, type: 'application/hal+json' },
            previous: link(at > 0 ? Math.max(0, at - limit) : null),
            next: link(at + limit < all.length ? at + limit : null),
            documentation: { href: 'https://docs.mollie.com/reference/list-payments', type: 'text/html' },
          },
        }),
        listed: page.flatMap((payment) => {
          const id = provider.eventId(payment as unknown as Record<string, unknown>, {});
          return id === null ? [] : [id];
        }),
      };
    },
  };
}

function errorAnswer(api: FetchApi, status: 400 | 401 | 404, detail: string, field?: string): GatewayAnswer {
  const error = api.error(status, detail, field);
  return { status, headers: { 'content-type': error.contentType }, body: error.body };
}
