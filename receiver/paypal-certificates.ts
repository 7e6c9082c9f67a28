import { X509Certificate } from 'node:crypto';
import { request } from 'undici';
import { PAYPAL_CERT_HOSTS } from '../contracts/providers/paypal-rest.js';

/** A certificate for a `PAYPAL-CERT-URL`, a refusal to fetch it (not a PayPal host), or a host that did not answer. */
export type CertificateAnswer =
  | { readonly kind: 'certificate'; readonly pem: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface PaypalCertificatesOptions {
  /** Hosts a cert URL may name, over HTTPS (default PayPal's: api.paypal.com, api.sandbox.paypal.com). */
  readonly allowedHosts?: readonly string[];
  /**
   * The fake gateway standing in for PayPal (tests, `ipn-gauntlet gateway`): a cert URL on an allowed PayPal host is
   * fetched from it at the same path, and a cert URL on its own host (and scheme) is allowed too. Never in production.
   */
  readonly gatewayUrl?: string;
  readonly timeoutMs?: number;
  /** Certificates kept, by URL; the oldest is dropped beyond this. */
  readonly maxEntries?: number;
}

const MAX_CERTIFICATE_BYTES = 16 * 1024;

/**
 * Where a receiver gets the certificate a PayPal REST delivery points at. The URL comes from the request, so an
 * attacker chooses it: fetched blindly, it makes the receiver request any URL (SSRF) and trust any certificate, whose
 * key then "verifies" the attacker's own signature. So only an allowed host is ever asked (no request at all to any
 * other), the answer must parse as an X.509 certificate, and it is cached per URL (PayPal rotates certificates by
 * name, so a URL's certificate does not change).
 */
export class PaypalCertificates {
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #gateway: URL | undefined;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, Promise<CertificateAnswer>>();
  /** How many requests went out (each cached URL is fetched once). */
  fetches = 0;

  constructor(options: PaypalCertificatesOptions = {}) {
    this.#allowedHosts = new Set((options.allowedHosts ?? PAYPAL_CERT_HOSTS).map((h) => h.toLowerCase()));
    this.#gateway = options.gatewayUrl === undefined ? undefined : new URL(options.gatewayUrl);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 32;
  }

  /** Where a cert URL may be fetched from, or why it may not. */
  source(certUrl: string): { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string } {
    let url: URL;
    try {
      url = new URL(certUrl);
    } catch {
      return { ok: false, reason: 'PAYPAL-CERT-URL is not a URL' };
    }
    if (url.username !== '' || url.password !== '') return { ok: false, reason: 'PAYPAL-CERT-URL carries credentials' };
    const gateway = this.#gateway;
    if (gateway !== undefined && url.protocol === gateway.protocol && url.host === gateway.host)
      return { ok: true, url };
    if (url.protocol !== 'https:' || url.port !== '' || !this.#allowedHosts.has(url.hostname.toLowerCase())) {
      return { ok: false, reason: `PAYPAL-CERT-URL names ${url.protocol}//${url.host}, not an allowed PayPal host` };
    }
    return { ok: true, url: gateway === undefined ? url : new URL(`${url.pathname}${url.search}`, gateway) };
  }

  /** The certificate at a cert URL: from the cache, else fetched once from an allowed host; never from another. */
  async get(certUrl: string): Promise<CertificateAnswer> {
    const source = this.source(certUrl);
    if (!source.ok) return { kind: 'refused', reason: source.reason };
    const key = source.url.href;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const pending = this.#fetch(source.url);
    this.#cache.set(key, pending);
    if (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value ?? key);
    const answer = await pending;
    // Only a certificate is kept: an unreachable host is asked again on the next delivery (PayPal resends after a 503).
    if (answer.kind !== 'certificate') this.#cache.delete(key);
    return answer;
  }

  async #fetch(url: URL): Promise<CertificateAnswer> {
    this.fetches += 1;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'ipn-gauntlet-reference-receiver' },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      if (response.statusCode !== 200) {
        return { kind: 'unreachable', reason: `the certificate host answered HTTP ${response.statusCode}` };
      }
      if (bytes.length > MAX_CERTIFICATE_BYTES) return { kind: 'refused', reason: 'the certificate is too large' };
      const pem = bytes.toString('utf8');
      try {
        new X509Certificate(pem);
      } catch {
        return { kind: 'refused', reason: 'PAYPAL-CERT-URL did not answer an X.509 certificate' };
      }
      return { kind: 'certificate', pem };
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
      return { kind: 'unreachable', reason: `the certificate host ${url.origin} cannot be reached (${reason})` };
    }
  }
}
