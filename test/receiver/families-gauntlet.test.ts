import { expect, onTestFinished, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import type { ReceiverProfile } from '../../contracts/profile.js';
import type { Provider } from '../../contracts/provider.js';
import { withFamilies } from '../../contracts/providers/index.js';
import { paddle } from '../../contracts/providers/paddle.js';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { standardWebhooks } from '../../contracts/providers/standard-webhooks.js';
import { buildReceiver } from '../../receiver/app.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { startTestGateway } from '../support/gateway.js';
import { listenOnLoopback } from '../support/listen.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';
import { secrets, temporaryDbFile } from './receiver-fixture.js';

/**
 * The whole gauntlet against the reference receiver, for a receiver that handles one of the new families (the
 * provider carrying every family it has, as the CLI gives it; the profile naming the ones it handles): every guarantee
 * that applies holds.
 */
const MERCHANT = 'seller@example.com';
const KEY = 'gateway-key-for-family-gauntlet';

async function gauntlet(provider: Provider, profile: ReceiverProfile) {
  const postback = provider.postback !== undefined;
  const gateway = postback ? await startTestGateway(KEY, [provider]) : undefined;
  if (gateway !== undefined) onTestFinished(() => gateway.close());
  const secret = postback ? MERCHANT : (secrets[provider.id as keyof typeof secrets] ?? '');
  const app = await buildReceiver({
    secrets: { [provider.id]: secret },
    dbFile: await temporaryDbFile(),
    clock: systemClock,
    retryBackoffMs: 0,
    ...(gateway === undefined ? {} : { gatewayUrl: gateway.url }),
    ...testProbe,
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  return runGauntlet({
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider,
    profile,
    secret,
    seed: 7,
    runId: `kf${provider.id.slice(0, 3)}${(profile.families ?? []).join('').slice(0, 6)}`,
    ...(gateway === undefined ? {} : { gatewayKey: KEY }),
    settle: { timeoutMs: 5_000, quietMs: 150 },
    replayCommand: (guarantee) => `replay ${guarantee}`,
  });
}

test.each([
  ['PayPal IPN', 'cart', paypalIpn, ['cart']],
  ['PayPal IPN', 'web_accept and cart', paypalIpn, ['web_accept', 'cart']],
  ['PayPal IPN', 'subscription', paypalIpn, ['subscription']],
  ['PayPal IPN', 'recurring_payment', paypalIpn, ['recurring_payment']],
  ['Paddle Billing', 'subscription', paddle, ['subscription']],
  ['Standard Webhooks', 'subscription', standardWebhooks, ['subscription']],
] as const)(
  '%s handling %s: every guarantee that applies holds',
  async (_title, _named, provider, families) => {
    const report = await gauntlet(withFamilies(provider as Provider), { families: [...families] });
    const notHeld = report.results
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.guarantee} ${r.status}: ${r.findings[0]?.problem ?? r.summary}`);
    expect(notHeld).toEqual([]);
    expect(report.results.length).toBeGreaterThan(3);
    expect(report.profile).toContain(`families ${families.join(', ')}`);
  },
  120_000,
);
