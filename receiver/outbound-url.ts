/**
 * The URLs the receiver itself requests: a URL that came from outside (PayPal REST's `PAYPAL-CERT-URL`) is parsed once,
 * must already be in normal form, and is checked by origin; a gateway standing in for a provider gets the origin
 * replaced, field by field. Nothing here joins a string onto a base URL: `new URL(path, base)` reads a path that starts
 * with `//` (or becomes one after `..`, `%2e%2e` or `\`) as another host (docs/decisions/0020-certificate-urls.md).
 */

/** Why a URL from outside is not requested, as data: the tests assert which rule fired. */
export type UrlRefusal =
  | 'not-a-url'
  | 'not-normalised'
  | 'scheme'
  | 'credentials'
  | 'port'
  | 'ip-literal'
  | 'host'
  | 'query-or-fragment'
  | 'path';

export type CheckedUrl =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly refusal: UrlRefusal; readonly reason: string };

/** IPv4 in any form WHATWG accepts is printed dotted; IPv6 in brackets. */
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/;

/**
 * Whether `raw` may be requested: an `https:` URL written exactly as WHATWG `URL` normalises it (no upper case, no
 * `.`/`..`/`%2e` segments, no `\`, no default port, no IDN or percent-encoded host), with no credentials, no port, a
 * host in `allowedHosts` exactly (so no trailing dot, no IP literal), no query or fragment, and a path of non-empty
 * segments. `label` names the URL in the reason (`PAYPAL-CERT-URL`).
 */
export function checkOutboundUrl(raw: string, allowedHosts: ReadonlySet<string>, label: string): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not-a-url', `${label} is not a URL`);
  }
  if (url.href !== raw) {
    return refuse('not-normalised', `${label} is not in normal form: it reads as ${url.href}, so it is not requested`);
  }
  if (url.protocol !== 'https:') return refuse('scheme', `${label} is ${url.protocol}, not https:`);
  if (url.username !== '' || url.password !== '') return refuse('credentials', `${label} carries credentials (@)`);
  if (url.port !== '') return refuse('port', `${label} names port ${url.port}; only the default HTTPS port is allowed`);
  if (IP_LITERAL.test(url.hostname)) {
    return refuse('ip-literal', `${label} names the IP address ${url.hostname}, not an allowed host`);
  }
  if (!allowedHosts.has(url.hostname)) {
    return refuse('host', `${label} names ${url.hostname}, not one of ${[...allowedHosts].join(', ')}`);
  }
  if (url.search !== '' || url.hash !== '') return refuse('query-or-fragment', `${label} has a query or a fragment`);
  if (!isSegmentedPath(url.pathname)) {
    return refuse('path', `${label}'s path ${url.pathname} has an empty segment (//); it could name another host`);
  }
  return { ok: true, url };
}

/**
 * The same path and query on another origin (scheme, host and port of `gateway`; its path and credentials are dropped),
 * built by setting fields so the path stays a path. Refuses (null) a path that is not `/` + non-empty segments, or that
 * normalising would change (dot segments): the caller's paths are its own constants or checked URLs, so null is a bug
 * or a hostile id, never a request.
 */
export function onOrigin(gateway: URL, path: string, search = ''): URL | null {
  if (!isSegmentedPath(path)) return null;
  const target = new URL(gateway.origin);
  target.pathname = path;
  target.search = search;
  return target.pathname === path && target.origin === gateway.origin ? target : null;
}

/** An absolute path of non-empty segments (`/`, `/a/b`), never `//host/…`, `/a//b`, a backslash or a relative path. */
function isSegmentedPath(path: string): boolean {
  return path.startsWith('/') && !path.includes('//') && !path.includes('\\');
}

function refuse(refusal: UrlRefusal, reason: string): CheckedUrl {
  return { ok: false, refusal, reason };
}

/** A hostname as the allow-list holds it: lower-case ASCII, as WHATWG prints it, no trailing dot; else null. */
export function normalHostname(host: string): string | null {
  try {
    const { hostname } = new URL(`https://${host}/`);
    return hostname === host && !host.endsWith('.') && !IP_LITERAL.test(host) ? host : null;
  } catch {
    return null;
  }
}
