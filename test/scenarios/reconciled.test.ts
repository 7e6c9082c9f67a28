import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { GuaranteeId } from '../../contracts/guarantees.js';
import type { Provider } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver, type ReceiverOptions } from '../../receiver/app.js';
import type { Reconciler } from '../../receiver/reconcile.js';
import { runGauntlet } from '../../scenarios/runner.js';
import type { RunReport, Verdict } from '../../scenarios/verdict.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { cursorBeforeApply, firstPageOnly } from '../fixtures/broken-reconcilers.js';
import { listenOnLoopback } from '../support/listen.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';

const secretOf = (provider: Provider) => provider.secret.generate(new Uint8Array(32).fill(12));

/** The providers whose gateway lists its events, with the API key their reconciler reads it with. */
const listing = [
  { provider: providers.stripe, apiKey: 'sk_test_reconciler', list: 'stripe event list', later: 'starting_after=' },
  {
    provider: providers['paypal-rest'],
    apiKey: 'reconciler:app-secret',
    list: 'paypal-rest event list',
    later: 'page_token=',
  },
  // Mollie's payment list is read with the API key the webhook's fetch uses: the receiver's secret.
  { provider: providers.mollie, apiKey: secretOf(providers.mollie), list: 'mollie payment list', later: 'from=' },
] as const;
type Listing = (typeof listing)[number];
const [stripeListing] = listing;

type Backend = 'SQLite' | 'PostgreSQL';

async function storageOf(backend: Backend): Promise<Partial<ReceiverOptions>> {
  if (backend === 'PostgreSQL') return { databaseUrl: postgresUrl(), schema: await testSchema() };
  const dir = await mkdtemp(join(tmpdir(), 'ipn-reconciled-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return { dbFile: join(dir, 'receiver.db') };
}

let runs = 0;

/**
 * The reference receiver (with `reconcile` as given, or none) against a fake gateway serving Stripe's event list from
 * the run's ledger, over loopback; then the gauntlet with that gateway's ledger and monitor.
 */
async function runReconciled(
  backend: Backend,
  reconcile: 'none' | { readonly strategy?: Reconciler },
  { provider, apiKey }: Listing = stripeListing,
): Promise<{ report: RunReport; monitor: GatewayMonitor }> {
  const secret = secretOf(provider);
  const ledger = createGatewayLedger();
  const monitor = new GatewayMonitor();
  const gateway = buildGateway({ key: 'reconcile-test', providers: [provider], ledger, monitor });
  onTestFinished(() => gateway.close());
  const gatewayUrl = await listenOnLoopback(gateway);
  const app = await buildReceiver({
    secrets: { [provider.id]: secret },
    // PayPal REST's certificates come from the gateway too.
    gatewayUrl,
    ...(await storageOf(backend)),
    ...testProbe,
    ...(reconcile === 'none'
      ? {}
      : {
          reconcile: {
            apiKeys: { [provider.id]: apiKey },
            gatewayUrl,
            ...(reconcile.strategy === undefined ? {} : { strategy: reconcile.strategy }),
          },
        }),
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  runs += 1;
  const report = await runGauntlet({
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider,
    secret,
    seed: 31,
    runId: `rc${process.pid.toString(36)}${runs.toString(36)}`,
    only: ['consistency.reconciled'],
    gatewayLedger: ledger,
    gatewayMonitor: monitor,
    settle: { timeoutMs: 5_000, quietMs: 150 },
    replayCommand: (guarantee) => `replay ${guarantee}`,
  });
  return { report, monitor };
}

function verdictOf(report: RunReport, guarantee: GuaranteeId): Verdict {
  const verdict = report.results.find((r) => r.guarantee === guarantee);
  if (verdict === undefined) throw new Error(`no verdict for ${guarantee}`);
  return verdict;
}

const reasons = (verdict: Verdict) => [...new Set(verdict.findings.map((f) => f.reason))].sort();
const failing = (report: RunReport) => report.results.filter((r) => r.status !== 'pass').map((r) => r.guarantee);

const backendsAndLists = (['SQLite', 'PostgreSQL'] as const).flatMap((backend) =>
  listing.map((entry) => ({ backend, entry, name: `${entry.provider.id} on ${backend}` })),
);

describe.each(backendsAndLists)('consistency.reconciled, $name', ({ backend, entry }) => {
  test('the reference receiver recovers every withheld event from the list, through its inbox, despite a failing page', async () => {
    const { report, monitor } = await runReconciled(backend, {}, entry);
    const verdict = verdictOf(report, 'consistency.reconciled');
    expect(verdict.status).toBe('pass');
    // Who recovered what: the summary says it.
    expect(verdict.summary).toMatch(
      new RegExp(
        `of the 1\\d\\d events the gateway gave up on, 1?\\d\\d were recovered from ${entry.list} \\(\\d+ list calls, 1 answered with an error\\) and \\d+ only by the webhook`,
      ),
    );
    expect(failing(report)).toEqual([]);
    const calls = monitor.calls().filter((c) => c.endpoint === entry.list);
    // The outage was played: a later page answered 503 once, and the receiver read it again and went on.
    const failed = calls.findIndex((c) => c.status === 503);
    expect(failed).toBeGreaterThan(0);
    expect(calls[failed]?.path).toContain(entry.later);
    expect(calls.slice(failed + 1).some((c) => c.status === 200 && c.path === calls[failed]?.path)).toBe(true);
  }, 90_000);

  test('a reconciler that moves its cursor before the events it covers are stored is caught', async () => {
    const { report } = await runReconciled(backend, { strategy: cursorBeforeApply }, entry);
    const verdict = verdictOf(report, 'consistency.reconciled');
    expect(failing(report)).toEqual(['consistency.reconciled']);
    expect(reasons(verdict)).toEqual(['reconcile.not-recovered', 'state.differs']);
    expect(verdict.findings.find((f) => f.reason === 'reconcile.not-recovered')?.problem).toMatch(/answered 503, 200/);
  }, 90_000);
});

describe.each(listing)(
  'consistency.reconciled catches receivers that cannot catch up ($provider.id, SQLite)',
  (entry) => {
    test('no reconciliation at all: the withheld events are never recovered, and no list call was made', async () => {
      const { report } = await runReconciled('SQLite', 'none', entry);
      const verdict = verdictOf(report, 'consistency.reconciled');
      expect(failing(report)).toEqual(['consistency.reconciled']);
      expect(reasons(verdict)).toEqual(['reconcile.not-recovered', 'state.differs']);
      const finding = verdict.findings.find((f) => f.reason === 'reconcile.not-recovered');
      expect(finding?.problem).toMatch(/answered 404/);
      expect(finding?.problem).toContain(`made no call to ${entry.list}`);
    }, 90_000);

    test('a reconciler that reads only the first page misses what is on the next ones', async () => {
      const { report } = await runReconciled('SQLite', { strategy: firstPageOnly }, entry);
      const verdict = verdictOf(report, 'consistency.reconciled');
      expect(failing(report)).toEqual(['consistency.reconciled']);
      expect(reasons(verdict)).toEqual(['reconcile.not-recovered', 'state.differs']);
      expect(verdict.findings.find((f) => f.reason === 'reconcile.not-recovered')?.problem).toMatch(
        new RegExp(`1 call\\(s\\) to ${entry.list} \\(\\S+ → 200, 100 listed\\)`),
      );
    }, 90_000);
  },
);

test('without the run’s gateway the guarantee is not run, and asking for it names the flag', async () => {
  const refused = await runGauntlet({
    target: 'http://127.0.0.1:9/webhooks/stripe',
    probe: 'http://127.0.0.1:9/ipn-probe',
    provider: providers.stripe,
    secret: providers.stripe.secret.generate(new Uint8Array(32).fill(12)),
    seed: 1,
    runId: 'rcnogw',
    only: ['consistency.reconciled'],
    replayCommand: () => '',
  }).catch((error: unknown) => error);
  expect(refused).toMatchObject({ code: 'IPN_ERR_USAGE', hint: expect.stringMatching(/--gateway-port/) });
});
