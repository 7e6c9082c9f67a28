import { isDeepStrictEqual } from 'node:util';
import { describe, test } from 'vitest';
import { isIpnError } from '../../contracts/errors.js';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import type { FindingReason } from '../../scenarios/verdict.js';
import { listEndpoint } from '../../simulator/gateway/routes/index.js';
import { type Flaw, flawApplies } from '../fixtures/flawed-receiver/flaws.js';
import { failures, runAgainstFlaw } from '../support/flawed-run.js';

/**
 * Each planted flaw is reported by exactly the guarantees it breaks — one verdict for one root cause — with the
 * reason its first finding gives; every other verdict passes or is unknown (not judged: it builds on what broke). A
 * flaw that refuses genuine deliveries stops the run at the preflight canary with exit 2 and the receiver's words.
 */
type Outcome =
  | { readonly preflight: 'IPN_ERR_PREFLIGHT_REFUSED' | 'IPN_ERR_PREFLIGHT_NOT_APPLIED' }
  | { readonly fails: Partial<Record<GuaranteeId, FindingReason>> };
/** One outcome, or (for a flaw that refuses some genuine bodies and not others) any of several. */
type Expected = Outcome | { readonly anyOf: readonly Outcome[] };

interface Row {
  readonly flaw: Flaw;
  readonly provider: ProviderId;
  readonly expect: Expected;
  /** Also unknown (its order or dependency not judged), when the row wants to say so. */
  readonly unknown?: readonly GuaranteeId[];
}

const rows: readonly Row[] = [
  // Signatures: forgeries accepted (answered 2xx), whatever else happens to them.
  {
    flaw: 'no-verification',
    provider: 'stripe',
    expect: { fails: { 'auth.forged-rejected': 'answer.accepted-forged' } },
    unknown: ['auth.replay-window'],
  },
  {
    flaw: 'fails-open-without-header',
    provider: 'stripe',
    expect: { fails: { 'auth.forged-rejected': 'answer.accepted-forged' } },
  },
  // Verified correctly, nothing forged applied, every forgery answered 200: only the answer check catches it.
  {
    flaw: 'accepts-forgeries-silently',
    provider: 'stripe',
    expect: { fails: { 'auth.forged-rejected': 'answer.accepted-forged' } },
    unknown: ['auth.replay-window'],
  },
  {
    flaw: 'no-timestamp-tolerance',
    provider: 'stripe',
    expect: { fails: { 'auth.replay-window': 'answer.accepted-forged' } },
  },
  // Stripe's pretty-printed bodies never survive re-serialization: every genuine delivery is refused at the canary.
  { flaw: 'verifies-reserialized-json', provider: 'stripe', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  // Compact bodies do, until they are reformatted.
  {
    flaw: 'verifies-reserialized-json',
    provider: 'standard-webhooks',
    expect: { fails: { 'compat.reformat': 'answer.refused-genuine' } },
  },
  { flaw: 'hex-instead-of-base64', provider: 'shopify', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  { flaw: 'square-url-mismatch', provider: 'square', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  { flaw: 'adyen-key-not-hex-decoded', provider: 'adyen', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  { flaw: 'unsupported-event-type-400', provider: 'stripe', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  {
    flaw: 'first-signature-only',
    provider: 'stripe',
    expect: { fails: { 'compat.rotation': 'answer.refused-genuine' } },
  },
  // Duplicates: the first kind that shows; those built on it are not judged.
  {
    flaw: 'applies-every-delivery',
    provider: 'stripe',
    expect: { fails: { 'idem.sequential': 'state.differs' } },
    unknown: ['idem.concurrent', 'idem.resigned', 'idem.after-timeout', 'robust.bad-input'],
  },
  { flaw: 'applies-every-delivery', provider: 'paypal-ipn', expect: { fails: { 'idem.sequential': 'state.differs' } } },
  { flaw: 'applies-every-delivery', provider: 'mollie', expect: { fails: { 'idem.sequential': 'state.differs' } } },
  { flaw: 'check-then-insert-race', provider: 'stripe', expect: { fails: { 'idem.concurrent': 'state.differs' } } },
  {
    flaw: 'dedupe-on-signature-header',
    provider: 'stripe',
    expect: { fails: { 'idem.resigned': 'state.differs' } },
    // Its retries are re-signed as they leave: whether one carries a new signature depends on the second it leaves in.
    unknown: ['idem.after-timeout', 'robust.bad-input'],
  },
  {
    flaw: 'slow-sync-processing',
    provider: 'stripe',
    expect: { fails: { 'idem.concurrent': 'state.differs' } },
    unknown: ['idem.after-timeout'],
  },
  // The second event about a payment dropped as a "duplicate": the baseline shows it, everything else builds on it.
  {
    flaw: 'dedupe-on-object-id',
    provider: 'stripe',
    expect: { fails: { 'baseline.applied': 'state.differs' } },
    unknown: ['idem.sequential', 'order.final-state'],
  },
  // Refunds acknowledged and never recorded: the baseline's refunded orders show it (with a profile of successes only,
  // the same receiver passes: test/scenarios/profile.test.ts).
  { flaw: 'ignores-refunds', provider: 'stripe', expect: { fails: { 'baseline.applied': 'state.differs' } } },
  { flaw: 'last-write-wins', provider: 'stripe', expect: { fails: { 'order.final-state': 'state.differs' } } },
  // Events it cannot use refused (the gateway would retry them for days): only the scenario that sends them sees it.
  {
    flaw: 'refuses-unknown-orders',
    provider: 'stripe',
    expect: { fails: { 'compat.unhandled-events': 'answer.refused-genuine' } },
  },
  // Adyen's batch reformat carries a REPORT_AVAILABLE item without a merchantReference, itself an event the receiver
  // cannot use: the refused batch is compat.reformat's finding too. One behaviour, two scenarios that send it (known;
  // the batch's filler item is what the real gateway sends).
  {
    flaw: 'refuses-unknown-orders',
    provider: 'adyen',
    expect: {
      fails: { 'compat.unhandled-events': 'answer.refused-genuine', 'compat.reformat': 'answer.refused-genuine' },
    },
  },
  // Adyen and PayPal report each refund's own amount: a receiver that keeps the last one gets two-part refunds wrong
  // even in order (the baseline), and moves orders backwards out of order (the final state): two behaviours, two verdicts.
  {
    flaw: 'last-write-wins',
    provider: 'adyen',
    expect: { fails: { 'baseline.applied': 'state.differs', 'order.final-state': 'state.differs' } },
  },
  // Amounts: consistency.amount owns the rule's amounts and currency exponents.
  { flaw: 'no-amount-check', provider: 'stripe', expect: { fails: { 'consistency.amount': 'state.differs' } } },
  { flaw: 'no-amount-check', provider: 'paypal-ipn', expect: { fails: { 'consistency.amount': 'state.differs' } } },
  {
    flaw: 'cents-for-every-currency',
    provider: 'stripe',
    expect: { fails: { 'consistency.amount': 'state.differs' } },
  },
  // Shapes.
  { flaw: 'strict-schema', provider: 'stripe', expect: { fails: { 'compat.reformat': 'answer.refused-genuine' } } },
  {
    flaw: 'exact-content-type',
    provider: 'stripe',
    expect: { fails: { 'compat.reformat': 'answer.refused-genuine' } },
  },
  {
    flaw: 'case-sensitive-header-lookup',
    provider: 'stripe',
    expect: { fails: { 'compat.reformat': 'answer.refused-genuine' } },
  },
  { flaw: 'throws-on-bad-json', provider: 'stripe', expect: { fails: { 'robust.bad-input': 'answer.crashed' } } },
  // Gateways that are asked, and challenges.
  {
    flaw: 'crc-signs-anything',
    provider: 'x',
    expect: { fails: { 'auth.crc-not-an-oracle': 'answer.accepted-forged' } },
  },
  {
    flaw: 'no-postback',
    provider: 'paypal-ipn',
    expect: { fails: { 'auth.verified-postback': 'state.changed-by-rejected' } },
  },
  // Genuine windows-1252 IPNs with non-ASCII names come back INVALID: the canary is one of them.
  { flaw: 'postback-reencodes-body', provider: 'paypal-ipn', expect: { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' } },
  {
    flaw: 'no-receiver-email-check',
    provider: 'paypal-ipn',
    expect: { fails: { 'consistency.amount': 'state.differs' } },
  },
  {
    flaw: 'trusts-posted-fields',
    provider: 'mollie',
    expect: { fails: { 'auth.forged-rejected': 'state.changed-by-rejected' } },
  },
  // Genuine deliveries whose CRC32 has its top bit set are refused (the canary's is, half of the time: its bytes carry
  // the time) and a signature over the negative decimal is accepted: the refusals are the baseline's, the forgery
  // auth.forged-rejected's, and reformatted bodies refused where their plain twins were not, compat.reformat's.
  {
    flaw: 'crc-as-signed-int',
    provider: 'paypal-rest',
    expect: {
      anyOf: [
        { preflight: 'IPN_ERR_PREFLIGHT_REFUSED' },
        {
          fails: {
            'baseline.applied': 'answer.refused-genuine',
            'auth.forged-rejected': 'answer.accepted-forged',
            'compat.reformat': 'answer.refused-genuine',
          },
        },
        { fails: { 'baseline.applied': 'answer.refused-genuine', 'auth.forged-rejected': 'answer.accepted-forged' } },
        // compat.unhandled-events sends bodies of its own (an unknown order, no reference, another type), never sent
        // plainly: those whose CRC has the top bit set are refused there too.
        {
          fails: {
            'baseline.applied': 'answer.refused-genuine',
            'auth.forged-rejected': 'answer.accepted-forged',
            'compat.reformat': 'answer.refused-genuine',
            'compat.unhandled-events': 'answer.refused-genuine',
          },
        },
        {
          fails: {
            'baseline.applied': 'answer.refused-genuine',
            'auth.forged-rejected': 'answer.accepted-forged',
            'compat.unhandled-events': 'answer.refused-genuine',
          },
        },
      ],
    },
  },

  // A reconciler that applies what it fetches past the inbox: the events both fetched and delivered by the webhook are
  // applied twice. Only the scenario that makes the receiver reconcile sees it.
  {
    flaw: 'reconcile-bypasses-inbox',
    provider: 'stripe',
    expect: { fails: { 'consistency.reconciled': 'state.differs' } },
  },
  {
    flaw: 'reconcile-bypasses-inbox',
    provider: 'paypal-rest',
    expect: { fails: { 'consistency.reconciled': 'state.differs' } },
  },
  {
    flaw: 'reconcile-bypasses-inbox',
    provider: 'mollie',
    expect: { fails: { 'consistency.reconciled': 'state.differs' } },
  },
  {
    flaw: 'cert-url-any-host',
    provider: 'paypal-rest',
    expect: { fails: { 'auth.forged-rejected': 'answer.accepted-forged' } },
  },
  {
    flaw: 'cert-url-path-joined',
    provider: 'paypal-rest',
    expect: { fails: { 'auth.forged-rejected': 'answer.accepted-forged' } },
  },
];

// Each run has a receiver (and gateway) of its own and spends most of its time waiting on loopback and on the
// receivers' pauses: run side by side, the table takes about its slowest row instead of the sum of them.
describe.concurrent('a planted flaw is reported by exactly the guarantees it breaks', () => {
  test.for(rows)(
    '$flaw on $provider',
    { timeout: 60_000 },
    async ({ flaw, provider, expect: wanted, unknown }, { expect, onTestFinished }) => {
      expect(flawApplies(flaw, providers[provider])).toBe(true);
      // Fixed ids: the bytes sent are the same on every run, so is everything that depends on them.
      const outcome = await runAgainstFlaw(provider, flaw, { runId: 'flawtable', onFinished: onTestFinished }).then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      if ('error' in outcome && !(isIpnError(outcome.error) && outcome.error.code.startsWith('IPN_ERR_PREFLIGHT'))) {
        throw outcome.error;
      }
      const seen: Outcome =
        'error' in outcome
          ? { preflight: (outcome.error as { code: 'IPN_ERR_PREFLIGHT_REFUSED' }).code }
          : { fails: failures(outcome.report) };
      const allowed: readonly Outcome[] = 'anyOf' in wanted ? wanted.anyOf : [wanted];
      // Compared with the closest allowed outcome, so a failure prints the verdicts that differ, not `[Array(1)]`.
      if (!allowed.some((outcome) => isDeepStrictEqual(outcome, seen))) expect(seen).toEqual(allowed[0]);
      if ('error' in outcome) {
        // The receiver's own answer is in the message, the fix in the hint.
        expect(String((outcome.error as Error).message)).toMatch(/was answered 4\d\d: \S/);
        return;
      }
      const { report } = outcome;
      for (const verdict of report.results.filter((v) => v.status === 'fail')) {
        expect(verdict.diagnosis).not.toBeNull();
        expect(verdict.replay).toContain(verdict.guarantee);
      }
      for (const id of unknown ?? []) {
        const verdict = report.results.find((v) => v.guarantee === id);
        expect({ id, status: verdict?.status }).toEqual({ id, status: 'unknown' });
        expect(verdict?.reason).toMatch(/not judged|failed/);
      }
    },
  );
});

describe.concurrent.each(Object.keys(providers) as ProviderId[])('%s', (providerId) => {
  test('every guarantee holds on the receiver without a flaw, and none is left unjudged', async ({
    expect,
    onTestFinished,
  }) => {
    const report = await runAgainstFlaw(providerId, 'none', { onFinished: onTestFinished });
    const notHeld = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.guarantee}: ${r.summary}`);
    expect(notHeld).toEqual([]);
    // Where the gateway lists its events, the run plays the outage and the receiver reconciles.
    const reconciled = report.results.some((r) => r.guarantee === 'consistency.reconciled');
    expect(reconciled).toBe(listEndpoint(providers[providerId]) !== undefined);
    expect(report.results[0]?.guarantee).toBe('baseline.applied');
    expect(report.results.at(-1)?.guarantee).toBe('liveness.ack-latency');
  }, 60_000);
});
