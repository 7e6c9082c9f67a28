import type { Provider } from '../../contracts/provider.js';

/**
 * The bytes a receiver reads an event from: the delivered body, or for a fetch provider (Mollie, whose webhook carries
 * only an id) the object its gateway answers for that id. An id the gateway never issued leaves the body as it is.
 */
export function eventBytes(provider: Pick<Provider, 'fetch'>, body: Uint8Array): Uint8Array {
  const api = provider.fetch;
  if (api === undefined) return body;
  const id = api.idOf(body);
  return (id === null ? null : api.lookup(id)) ?? body;
}
