import type { Provider } from './provider.js';
import type { HeaderMap } from './wire.js';
import { fromUtf8 } from './wire.js';

/** A delivery's body read into what the provider's envelope and event schemas parse, or why it cannot be. */
export type DecodedBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

/** The default body reading: UTF-8 JSON. */
export function decodeJson(body: Uint8Array): unknown {
  return JSON.parse(fromUtf8(body));
}

/**
 * Reads a verified body with the provider's `decode` (PayPal: a form in the charset its `charset` field names), UTF-8
 * JSON by default. The one place a body is parsed: the reference receiver's route and worker and the test fixtures
 * all call it, so every provider's bodies are read the same way everywhere.
 */
export function decodeBody(
  provider: Pick<Provider, 'decode' | 'title'>,
  body: Uint8Array,
  headers: HeaderMap,
): DecodedBody {
  try {
    return { ok: true, value: provider.decode ? provider.decode(body, headers) : decodeJson(body) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `the body is not ${provider.decode ? `a readable ${provider.title} body` : 'JSON'} (${detail})`,
    };
  }
}
