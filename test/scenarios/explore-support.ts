import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { type ExploreOptions, explore } from '../../scenarios/explore/explore.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';

/** A flawed receiver on loopback, with the explore options that point at it; `close` stops it. */
export async function flawedTarget(providerId: ProviderId, flaw: Flaw | 'none') {
  const provider = providers[providerId];
  const secret = provider.secret.generate(new Uint8Array(32).fill(9));
  const app = buildFlawedReceiver({ provider: providerId, secret, flaw });
  const base = await listenOnLoopback(app);
  const options = {
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    provider,
    secret,
    settle: { timeoutMs: 2_000, quietMs: 50 },
  } as const;
  return { base, secret, options, close: () => app.close() };
}

let sessions = 0;

/** Explores a receiver with small, fast settings; `overrides` change any of them. */
export function exploreSmall(
  target: Awaited<ReturnType<typeof flawedTarget>>,
  overrides: Partial<ExploreOptions> = {},
): ReturnType<typeof explore> {
  sessions += 1;
  return explore({
    ...target.options,
    seed: 1,
    runs: 40,
    session: `t${process.pid.toString(36)}${sessions.toString(36)}`,
    totalTimeMs: 60_000,
    ...overrides,
  });
}
