import { expect, onTestFinished, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { buildReceiver } from '../../receiver/app.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { familyIds, withFamily } from '../contracts/stripe-family-fixtures.js';
import { listenOnLoopback } from '../support/listen.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';
import { PUBLIC_URL, secrets, temporaryDbFile } from './receiver-fixture.js';

/**
 * The family's types the scenarios send today: the subscription family's none, since no scenario plays a subscription
 * lifecycle yet (its guarantees then judge the default PaymentIntents); checkout's `expired` has no lifecycle either.
 */
const sentTypes: Record<string, readonly string[]> = {
  checkout: [
    'checkout.session.async_payment_failed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.completed',
  ],
  subscription: [],
  dispute: ['charge.dispute.closed', 'charge.dispute.created'],
};

/**
 * The whole gauntlet against the reference receiver (real HTTP on loopback, a SQLite file) with Stripe sending one of
 * its families beside the default PaymentIntents: every guarantee holds, nothing is left unjudged, and the family's
 * own event types are among what was sent wherever a scenario plays a lifecycle of that family.
 */
test.each(familyIds)(
  'every guarantee holds against the reference receiver when Stripe sends its %s family',
  async (id) => {
    const app = await buildReceiver({
      secrets: { stripe: secrets.stripe },
      dbFile: await temporaryDbFile(),
      clock: systemClock,
      publicUrl: PUBLIC_URL,
      ...testProbe,
    });
    onTestFinished(() => app.close());
    const base = await listenOnLoopback(app);
    const provider = withFamily(id);
    const labels = new Set<string>();
    const report = await runGauntlet({
      target: `${base}/webhooks/${provider.route}`,
      probe: `${base}/ipn-probe`,
      probeToken: TEST_PROBE_TOKEN,
      provider,
      // The receiver handles the family beside the default PaymentIntents, and says so in its profile.
      profile: { families: [provider.defaultFamily ?? 'payments', id] },
      secret: secrets.stripe,
      seed: 7,
      runId: `gf${id.slice(0, 3)}`,
      settle: { timeoutMs: 5_000, quietMs: 150 },
      replayCommand: (guarantee) => `replay ${guarantee}`,
      onAttempt: (_, attempt) => labels.add(attempt.label),
    });
    const notHeld = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.guarantee}: ${r.summary}`);
    expect(notHeld).toEqual([]);
    expect(report.results.length).toBeGreaterThan(5);
    expect([...labels]).toEqual(expect.arrayContaining([...(sentTypes[id] ?? [])]));
    // Every payment step goes through the checkout family when it is on: no PaymentIntent event is sent.
    if (id === 'checkout') expect([...labels].filter((label) => label.startsWith('payment_intent.'))).toEqual([]);
  },
  120_000,
);
