import { afterEach, describe, expect, test } from 'vitest';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { sendsJson } from '../../simulator/faults/reformat.js';
import { flawApplies } from '../fixtures/flawed-receiver/flaws.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { startTestGateway } from '../support/gateway.js';
import { gauntletAgainst, statusOf } from '../support/gauntlet.js';
import { listenOnLoopback } from '../support/listen.js';

const providerIds = Object.keys(providers) as ProviderId[];
/** Providers whose bodies get the JSON reformats, and those that sign in headers (header-name case). */
const jsonProviders = providerIds.filter((id) => sendsJson(providers[id]));
const headerSigned = providerIds.filter((id) => providers[id].signatureHeaders.length > 0);
/** Providers whose scheme a flaw can show on (a timestamp to skip, a second signature to miss, a URL to get wrong). */
const applicable = (flaw: Flaw) => providerIds.filter((id) => flawApplies(flaw, providers[id]));
/** Where the flawed receivers pretend to be registered (a proxy in front of loopback), for Square. */
const REGISTERED_BASE = 'https://hooks.example.com';

/**
 * Each checker with the planted bug it must catch; `finds`, a problem some finding must state, and `findsNot`, one no
 * finding may state (what catches the bug, and what does not).
 */
const catches: readonly {
  guarantee: GuaranteeId;
  flaw: Flaw;
  providers?: readonly ProviderId[];
  finds?: RegExp;
  findsNot?: RegExp;
}[] = [
  { guarantee: 'auth.forged-rejected', flaw: 'no-verification' },
  { guarantee: 'auth.forged-rejected', flaw: 'fails-open-without-header' },
  // Stripe's bodies are pretty-printed and Shopify's escape `/` and `&`, so re-serialized JSON never matches: every
  // genuine delivery is refused. Compact bodies (Standard Webhooks, Paddle, Razorpay, Square) only show the same bug
  // once bodies are reformatted (compat.reformat, below: pretty-printed or escaped bodies).
  { guarantee: 'auth.forged-rejected', flaw: 'verifies-reserialized-json', providers: ['stripe', 'shopify'] },
  { guarantee: 'auth.replay-window', flaw: 'no-timestamp-tolerance', providers: applicable('no-timestamp-tolerance') },
  { guarantee: 'idem.sequential', flaw: 'applies-every-delivery' },
  { guarantee: 'idem.concurrent', flaw: 'check-then-insert-race' },
  // Without a signed timestamp a re-sent copy carries the very same signature: deduplicating on it works there.
  {
    guarantee: 'idem.resigned',
    flaw: 'dedupe-on-signature-header',
    providers: applicable('dedupe-on-signature-header'),
  },
  { guarantee: 'order.final-state', flaw: 'last-write-wins' },
  { guarantee: 'consistency.amount', flaw: 'no-amount-check' },
  { guarantee: 'compat.rotation', flaw: 'first-signature-only', providers: applicable('first-signature-only') },
  // Genuine deliveries refused: a hex digest never equals Shopify's or Square's base64 one; Square signed for the
  // registered URL never verifies with the loopback URL the request reached.
  { guarantee: 'auth.forged-rejected', flaw: 'hex-instead-of-base64', providers: applicable('hex-instead-of-base64') },
  { guarantee: 'auth.forged-rejected', flaw: 'square-url-mismatch', providers: applicable('square-url-mismatch') },
  // X: a CRC endpoint that signs an event body sent as crc_token is a signing oracle for forged POSTs.
  {
    guarantee: 'auth.crc-not-an-oracle',
    flaw: 'crc-signs-anything',
    providers: applicable('crc-signs-anything'),
  },
  // Adyen's key hex-decoded or not: the characters' bytes are another key, so every genuine notification is refused.
  {
    guarantee: 'auth.forged-rejected',
    flaw: 'adyen-key-not-hex-decoded',
    providers: applicable('adyen-key-not-hex-decoded'),
  },
  { guarantee: 'compat.reformat', flaw: 'verifies-reserialized-json', providers: jsonProviders },
  { guarantee: 'compat.reformat', flaw: 'strict-schema', providers: jsonProviders },
  { guarantee: 'compat.reformat', flaw: 'exact-content-type', providers: jsonProviders },
  { guarantee: 'compat.reformat', flaw: 'case-sensitive-header-lookup', providers: headerSigned },
  { guarantee: 'robust.bad-input', flaw: 'throws-on-bad-json' },
  { guarantee: 'idem.after-timeout', flaw: 'slow-sync-processing' },
  // PayPal IPN: forged IPNs applied without asking; genuine windows-1252 IPNs refused after a re-encoded postback; a
  // genuine payment to another receiver_email fulfilled.
  { guarantee: 'auth.verified-postback', flaw: 'no-postback', providers: ['paypal-ipn'] },
  { guarantee: 'auth.verified-postback', flaw: 'postback-reencodes-body', providers: ['paypal-ipn'] },
  { guarantee: 'consistency.amount', flaw: 'no-receiver-email-check', providers: ['paypal-ipn'] },
  // Mollie: a webhook posting `status=paid&amount[value]=…` beside an id the gateway never issued, applied unfetched.
  { guarantee: 'auth.forged-rejected', flaw: 'trusts-posted-fields', providers: ['mollie'] },
  // PayPal REST: a signature over the signed-int CRC accepted (and genuine top-bit CRCs refused); a certificate fetched
  // from the attacker's host named in PAYPAL-CERT-URL, under which the attacker's own signature verifies.
  { guarantee: 'auth.forged-rejected', flaw: 'crc-as-signed-int', providers: ['paypal-rest'] },
  { guarantee: 'auth.forged-rejected', flaw: 'cert-url-any-host', providers: ['paypal-rest'] },
  // PayPal REST: the host checked, then the path joined onto the gateway: https://api.paypal.com//127.0.0.1:port/… reaches
  // the attacker's canary. Only the URL tricks catch it: the other key, the signed-int CRC and the foreign host do not.
  {
    guarantee: 'auth.forged-rejected',
    flaw: 'cert-url-path-joined',
    providers: ['paypal-rest'],
    finds:
      /the forgery "cert URL path \/\/host on the live host" \(PAYPAL-CERT-URL https:\/\/api\.paypal\.com\/\/127\.0\.0\.1:\d+\/v1\/notifications\/certs\/CERT-attacker\) made the receiver contact the attacker's server/,
    findsNot: /the forgery "(signed by another key|CRC32 printed as a signed int|cert URL on a foreign host)/,
  },
  // Verified correctly and nothing applied, but every forgery answered 200: only the answer check can catch it, and it
  // must (a forgery is refused with a non-2xx); no order changed.
  {
    guarantee: 'auth.forged-rejected',
    flaw: 'accepts-forgeries-silently',
    providers: applicable('accepts-forgeries-silently'),
    finds: /was accepted with 200/,
    findsNot: /^order /,
  },
];

/** The fake gateway's key for postback providers: the flawed receivers ask a gateway started with it. */
const GATEWAY_KEY = 'checkers-gateway-key';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function flawed(providerId: ProviderId, flaw: Flaw | 'none') {
  const provider = providers[providerId];
  const secret = provider.secret.generate(new Uint8Array(32).fill(7));
  const registered = provider.signsNotificationUrl ? `${REGISTERED_BASE}/webhooks/${provider.route}` : undefined;
  const asksGateway =
    provider.postback !== undefined || provider.fetch !== undefined || provider.certificateUrlHeader !== undefined;
  const gateway = asksGateway ? await startTestGateway(GATEWAY_KEY, [provider]) : undefined;
  if (gateway !== undefined) closers.push(gateway.close);
  const app = buildFlawedReceiver({
    provider: providerId,
    secret,
    flaw,
    ...(registered === undefined ? {} : { notificationUrl: registered }),
    ...(gateway === undefined ? {} : { gatewayUrl: gateway.url }),
  });
  const base = await listenOnLoopback(app);
  closers.push(() => app.close());
  const options = {
    ...(registered === undefined ? {} : { notificationUrl: registered }),
    ...(gateway === undefined ? {} : { gatewayKey: GATEWAY_KEY }),
  };
  return { base, secret, options };
}

describe.each(Object.keys(providers) as ProviderId[])('%s', (providerId) => {
  // Signature flaws cannot show on a postback provider (PayPal IPN has no signature): `flawApplies` says so.
  const cases = catches.filter(
    (c) =>
      (c.providers === undefined || c.providers.includes(providerId)) && flawApplies(c.flaw, providers[providerId]),
  );

  test.each(cases)(
    '$guarantee fails on a receiver with the flaw $flaw',
    async ({ guarantee, flaw, finds, findsNot }) => {
      const { base, secret, options } = await flawed(providerId, flaw);
      const report = await gauntletAgainst(base, providerId, secret, { ...options, only: [guarantee] });
      const verdict = report.results[0];
      expect(verdict?.guarantee).toBe(guarantee);
      expect(verdict?.status).toBe('fail');
      expect(verdict?.findings.length).toBeGreaterThan(0);
      const problems = verdict?.findings.map((f) => f.problem) ?? [];
      if (finds !== undefined) expect(problems).toContainEqual(expect.stringMatching(finds));
      if (findsNot !== undefined) expect(problems).not.toContainEqual(expect.stringMatching(findsNot));
      expect(verdict?.replay).toContain(guarantee);
    },
  );

  test('every guarantee holds on the same receiver without a flaw', async () => {
    const { base, secret, options } = await flawed(providerId, 'none');
    const report = await gauntletAgainst(base, providerId, secret, options);
    const failures = report.results.filter((r) => r.status === 'fail').map((r) => `${r.guarantee}: ${r.summary}`);
    expect(failures).toEqual([]);
    for (const { guarantee } of cases) expect(statusOf(report, guarantee)).toBe('pass');
  });
});
