import { X509Certificate } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import { IpnError } from '../contracts/errors.js';
import { PAYPAL_CERT_HOSTS } from '../contracts/providers/paypal-rest.js';
import { checkOutboundUrl, normalHostname, onOrigin, type UrlRefusal } from './outbound-url.js';

/** Why a certificate is not used: its URL (see `UrlRefusal`), or what the allowed host answered. */
export type CertificateRefusal = UrlRefusal | 'not-a-certificate' | 'too-large' | 'certificate-changed';

/** A certificate for a `PAYPAL-CERT-URL`, a refusal to fetch or use it, or a host that did not answer. */
export type CertificateAnswer =
  | { readonly kind: 'certificate'; readonly pem: string; readonly fingerprint: string }
  | { readonly kind: 'refused'; readonly refusal: CertificateRefusal; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

/** Where a cert URL is fetched from (`url`), and the normalised cert URL it answers for (`certUrl`, the cache key). */
export type CertificateSource =
  | { readonly ok: true; readonly url: URL; readonly certUrl: URL }
  | { readonly ok: false; readonly refusal: UrlRefusal; readonly reason: string };

export interface PaypalCertificatesOptions {
  /** Hosts a cert URL may name, over HTTPS on the default port (default PayPal's: api.paypal.com, api.sandbox.paypal.com). */
  readonly allowedHosts?: readonly string[];
  /**
   * The fake gateway standing in for PayPal (tests, `ipn-gauntlet gateway`): a cert URL on an allowed host is fetched
   * from the gateway's origin at the same path. Never in production.
   */
  readonly gatewayUrl?: string;
  /** Longest a fetch may take, headers and body together. */
  readonly timeoutMs?: number;
  /** Certificates kept, by URL; the oldest is dropped beyond this. */
  readonly maxEntries?: number;
  /** undici's dispatcher for the fetch (tests record or intercept requests with it); default the global one. */
  readonly dispatcher?: Dispatcher;
}

const MAX_CERTIFICATE_BYTES = 16 * 1024;
/** Fingerprints remembered per cert URL, beyond the cache, so a re-fetched URL must answer the same certificate. */
const MAX_FINGERPRINTS = 1024;
const LABEL = 'PAYPAL-CERT-URL';

/**
 * Where a receiver gets the certificate a PayPal REST delivery points at. The URL comes from the request, so an
 * attacker chooses it: fetched blindly, it makes the receiver request any URL (SSRF) and trust any certificate, whose
 * key then "verifies" the attacker's own signature. So the URL is parsed once and checked by origin (`checkOutboundUrl`:
 * normal form, https, an allowed host exactly, no port, credentials, query or `//`), a gateway replaces only the origin,
 * nothing else is ever asked, redirects are not followed, and the answer must parse as an X.509 certificate. Cached by
 * the normalised cert URL; a URL that later answers another certificate is refused (PayPal names each certificate).
 */
export class PaypalCertificates {
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #gateway: URL | undefined;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #cache = new Map<string, Promise<CertificateAnswer>>();
  readonly #fingerprints = new Map<string, string>();
  /** How many requests went out (each cached URL is fetched once). */
  fetches = 0;

  constructor(options: PaypalCertificatesOptions = {}) {
    this.#allowedHosts = new Set((options.allowedHosts ?? PAYPAL_CERT_HOSTS).map(allowedHost));
    this.#gateway = options.gatewayUrl === undefined ? undefined : new URL(options.gatewayUrl);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 32;
    this.#dispatcher = options.dispatcher;
  }

  /** Where a cert URL may be fetched from, or why it may not. */
  source(certUrl: string): CertificateSource {
    const checked = checkOutboundUrl(certUrl, this.#allowedHosts, LABEL);
    if (!checked.ok) return checked;
    if (this.#gateway === undefined) return { ok: true, url: checked.url, certUrl: checked.url };
    const onGateway = onOrigin(this.#gateway, checked.url.pathname);
    if (onGateway === null) return { ok: false, refusal: 'path', reason: `${LABEL}'s path cannot be a gateway path` };
    return { ok: true, url: onGateway, certUrl: checked.url };
  }

  /** The certificate at a cert URL: from the cache, else fetched once from its allowed origin; never from another. */
  async get(certUrl: string): Promise<CertificateAnswer> {
    const source = this.source(certUrl);
    if (!source.ok) return { kind: 'refused', refusal: source.refusal, reason: source.reason };
    const key = source.certUrl.href;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const pending = this.#fetch(source.url).then((answer) => this.#sameAsBefore(key, answer));
    this.#cache.set(key, pending);
    if (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value ?? key);
    const answer = await pending;
    // Only a certificate is kept: an unreachable host is asked again on the next delivery (PayPal resends after a 503).
    if (answer.kind !== 'certificate') this.#cache.delete(key);
    return answer;
  }

  /** A cert URL answers one certificate for good: another one later (after eviction or a failure) is refused. */
  #sameAsBefore(key: string, answer: CertificateAnswer): CertificateAnswer {
    if (answer.kind !== 'certificate') return answer;
    const known = this.#fingerprints.get(key);
    if (known === undefined) {
      this.#fingerprints.set(key, answer.fingerprint);
      if (this.#fingerprints.size > MAX_FINGERPRINTS)
        this.#fingerprints.delete(this.#fingerprints.keys().next().value ?? key);
      return answer;
    }
    if (known === answer.fingerprint) return answer;
    return {
      kind: 'refused',
      refusal: 'certificate-changed',
      reason: `${key} answered another certificate (${answer.fingerprint}) than before (${known}); PayPal names each one`,
    };
  }

  async #fetch(url: URL): Promise<CertificateAnswer> {
    this.fetches += 1;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'ipn-gauntlet-reference-receiver' },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { kind: 'unreachable', reason: `the certificate host answered HTTP ${response.statusCode}` };
      }
      const bytes = await readAtMost(response.body, MAX_CERTIFICATE_BYTES);
      if (bytes === null) return { kind: 'refused', refusal: 'too-large', reason: 'the certificate is too large' };
      const pem = bytes.toString('utf8');
      let fingerprint: string;
      try {
        fingerprint = new X509Certificate(pem).fingerprint256;
      } catch {
        return {
          kind: 'refused',
          refusal: 'not-a-certificate',
          reason: `${LABEL} did not answer an X.509 certificate`,
        };
      }
      return { kind: 'certificate', pem, fingerprint };
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
      return { kind: 'unreachable', reason: `the certificate host ${url.origin} cannot be reached (${reason})` };
    }
  }
}

/** The body, or null once it passes `limit` bytes (leaving the loop early destroys the stream: the rest is not read). */
async function readAtMost(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function allowedHost(host: string): string {
  const normal = normalHostname(host);
  if (normal !== null) return normal;
  throw new IpnError(
    'IPN_ERR_RECEIVER_OPTIONS',
    `the allowed certificate host ${JSON.stringify(host)} is not a lower-case hostname as URLs print it (no port, no trailing dot, no IP address).`,
  );
}
