import { request } from 'undici';
import type { FetchApi } from '../contracts/provider.js';
import { onOrigin } from './outbound-url.js';

/** What the gateway answered for the object a delivery names: the object, no such object, or no usable answer. */
export type FetchAnswer =
  | { readonly kind: 'found'; readonly body: Uint8Array }
  /** No such object: the gateway's 404/410, or 0 when the id cannot be a path on the gateway and was not asked for. */
  | { readonly kind: 'unknown'; readonly status: number }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface FetchObjectOptions {
  /** The gateway's API base URL (Mollie: https://api.mollie.com; here the fake gateway's). */
  readonly gatewayUrl: string;
  readonly timeoutMs?: number;
  /** Largest object accepted, bytes. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Fetches the object a delivery names (Mollie: `GET /v2/payments/{id}` on the gateway's origin, with `Authorization: Bearer <API
 * key>`). 404 (and 410) mean the gateway never issued the id: a forgery, or another account's payment. 401/403 mean
 * the key is wrong: the receiver's misconfiguration, reported as unreachable so the gateway resends once it is fixed.
 */
export async function fetchObject(
  api: FetchApi,
  id: string,
  secret: string,
  options: FetchObjectOptions,
): Promise<FetchAnswer> {
  // The path set as a field on the gateway's origin, never joined onto it: an id that would not stay one path segment
  // there (`..`) names no object the gateway issued, and is not asked for.
  const url = onOrigin(new URL(options.gatewayUrl), api.path(id));
  if (url === null) return { kind: 'unknown', status: 0 };
  const timeout = options.timeoutMs ?? 10_000;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { ...api.headers(secret), 'user-agent': 'ipn-gauntlet-reference-receiver' },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    if (response.statusCode === 404 || response.statusCode === 410) {
      return { kind: 'unknown', status: response.statusCode };
    }
    if (response.statusCode === 401 || response.statusCode === 403) {
      return { kind: 'unreachable', reason: `the gateway refused the API key (HTTP ${response.statusCode}); check it` };
    }
    if (response.statusCode !== 200) {
      return { kind: 'unreachable', reason: `the gateway answered HTTP ${response.statusCode}` };
    }
    if (bytes.length > (options.maxBytes ?? DEFAULT_MAX_BYTES)) {
      return { kind: 'unreachable', reason: `the gateway answered ${bytes.length} bytes, more than accepted` };
    }
    return { kind: 'found', body: bytes };
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    return { kind: 'unreachable', reason: `the gateway at ${url.origin} cannot be reached (${reason})` };
  }
}
