import { expect, onTestFinished, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { scenarios } from '../../scenarios/catalog/index.js';
import { runsIn } from '../../scenarios/define.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { buildFlawedReceiver, flawedDatabase } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';

const stripe = providers.stripe;
const secret = stripe.secret.generate(new Uint8Array(32).fill(21));

/** A reference receiver instance on the shared schema, counting the webhook deliveries it answered. */
async function instance(schema: string) {
  const app = await buildReceiver({
    secrets: { stripe: secret },
    databaseUrl: postgresUrl(),
    schema,
    clock: systemClock,
    ...testProbe,
  });
  let webhooks = 0;
  app.addHook('onResponse', async (request) => {
    if (request.method === 'POST' && request.url.startsWith('/webhooks/')) webhooks += 1;
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  return { base, webhooks: () => webhooks };
}

test('two reference receivers behind one PostgreSQL pass every scenario with deliveries spread across both', async () => {
  const schema = await testSchema();
  const [a, b] = [await instance(schema), await instance(schema)];
  const report = await runGauntlet({
    target: `${a.base}/webhooks/${stripe.route}`,
    otherTargets: [`${b.base}/webhooks/${stripe.route}`],
    probe: `${a.base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider: stripe,
    secret,
    seed: 5,
    runId: 'multi',
    replayCommand: (g) => g,
  });
  expect(report.results.map((r) => [r.guarantee, r.status, r.findings.map((f) => f.problem)])).toEqual(
    report.results.map((r) => [r.guarantee, 'pass', []]),
  );
  const applicable = scenarios.filter((s) => runsIn(s, stripe));
  // Besides the scenarios: the baseline and the acknowledgement-latency verdicts.
  expect(report.results).toHaveLength(applicable.length + 2);
  expect(a.webhooks()).toBeGreaterThan(10);
  expect(b.webhooks()).toBeGreaterThan(10);
});

test('a check-then-insert outside the transaction, across two instances behind one database, breaks idem.concurrent', async () => {
  const run = async (flaw: 'check-then-insert-race' | 'none') => {
    const database = flawedDatabase(flaw);
    const bases = await Promise.all(
      [0, 1].map(async () => {
        const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw, database });
        onTestFinished(() => app.close());
        return listenOnLoopback(app);
      }),
    );
    const report = await runGauntlet({
      target: `${bases[0]}/webhooks/${stripe.route}`,
      otherTargets: [`${bases[1]}/webhooks/${stripe.route}`],
      probe: `${bases[0]}/ipn-probe`,
      provider: stripe,
      secret,
      seed: 6,
      runId: `race${flaw === 'none' ? 'ok' : 'bad'}`,
      only: ['idem.concurrent'],
      replayCommand: (g) => g,
    });
    return report.results[0]?.status;
  };
  expect(await run('check-then-insert-race')).toBe('fail');
  expect(await run('none')).toBe('pass');
});
