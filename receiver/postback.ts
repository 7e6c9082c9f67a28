import { request } from 'undici';
import { IpnError } from '../contracts/errors.js';
import type { Postback, Provider } from '../contracts/provider.js';
import { onOrigin } from './outbound-url.js';

/** What the gateway said about a delivery: it sent these bytes, it did not, or it could not be asked. */
export type PostbackAnswer =
  | { readonly kind: 'verified' }
  | { readonly kind: 'invalid'; readonly answer: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface PostbackOptions {
  /** The gateway's base URL (PayPal: https://ipnpb.paypal.com; here the fake gateway's). */
  readonly gatewayUrl: string;
  readonly timeoutMs?: number;
}

const MAX_ANSWER = 64;

/**
 * Asks the gateway whether it sent these exact bytes: POST `postback.request(body)` (PayPal: `cmd=_notify-validate&`
 * + the raw body, never re-encoded) to `postback.path` on the gateway's origin and compare the one-word answer.
 */
export async function askGateway(
  postback: Postback,
  body: Uint8Array,
  options: PostbackOptions,
): Promise<PostbackAnswer> {
  // The path set as a field on the gateway's origin, never joined onto it as a string.
  const url = onOrigin(new URL(options.gatewayUrl), postback.path);
  if (url === null) throw new IpnError('IPN_ERR_RECEIVER_OPTIONS', `the postback path ${postback.path} is not a path`);
  const timeout = options.timeoutMs ?? 10_000;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': postback.contentType, 'user-agent': 'ipn-gauntlet-reference-receiver' },
      body: postback.request(body),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const answer = (await response.body.text()).trim();
    if (response.statusCode !== 200) {
      return { kind: 'unreachable', reason: `the gateway answered HTTP ${response.statusCode}` };
    }
    return answer === postback.verified
      ? { kind: 'verified' }
      : { kind: 'invalid', answer: answer.slice(0, MAX_ANSWER) };
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    return { kind: 'unreachable', reason: `the gateway at ${url.origin} cannot be reached (${reason})` };
  }
}

/**
 * Fails fast when a postback or fetch provider (PayPal IPN, Mollie) is served without a gateway URL to ask: neither
 * its own (`gateways`) nor the shared `gatewayUrl`, as `gatewayOf` answers.
 */
export function requireGatewayUrl(
  providers: readonly Pick<Provider, 'id' | 'postback' | 'fetch' | 'title'>[],
  gatewayOf: (provider: Provider['id']) => string | undefined,
): void {
  const needing = providers.filter(
    (p) => (p.postback !== undefined || p.fetch !== undefined) && gatewayOf(p.id) === undefined,
  );
  if (needing.length === 0) return;
  throw new IpnError(
    'IPN_ERR_GATEWAY_MISSING',
    `${needing.map((p) => p.title).join(', ')} deliveries are verified by asking the gateway, but the receiver has no gateway URL.`,
  );
}
