/**
 * ipn-gauntlet's programmatic API: run the gauntlet from a test runner or a script and get the verdicts as data.
 *
 *   import { gauntlet, providers } from 'ipn-gauntlet';
 *   const report = await gauntlet.run({ target, probe, provider: providers.stripe, secret, seed: 1, runId: 'ci1',
 *     replayCommand: (g) => `ipn-gauntlet run … --seed 1 --only ${g}` });
 *   report.results.filter((r) => r.status === 'fail');
 */
import type { Provider } from '../contracts/provider.js';
import { type ProviderId, providerById } from '../contracts/providers/index.js';
import { profileReplayFlags } from './cli/profile-flags.js';
import { replayCommand } from './replay-command.js';
import { type RunOptions, runGauntlet } from './runner.js';
import type { RunReport } from './verdict.js';

export { guarantees, IpnError, type Provider, providers } from '../contracts/index.js';
export { type ReceiverProfile, ReceiverProfileSchema } from '../contracts/profile.js';
export { defineProvider } from '../contracts/provider.js';
export { providerFamilies, withFamilies } from '../contracts/providers/index.js';
export { scenarios } from './catalog/index.js';
export { ConfigSchema, defineConfig, type GauntletConfig } from './config/schema.js';
export { defineScenario, type Scenario } from './define.js';
export { loadModuleProbe } from './probes/module-probe.js';
export { type SqlProbeSettings, SqlProbeSettingsSchema } from './probes/sql-config.js';
export { createSqlProbe, type OpenProbe } from './probes/sql-probe.js';
export { applyProfile, describeProfile } from './profile.js';
export { reportHtml, writeHtmlReport } from './report/html.js';
export { type RunOptions, runGauntlet } from './runner.js';
export {
  type RunReport,
  RunReportSchema,
  type TimelineEntry,
  TimelineEntrySchema,
  type Verdict,
  VerdictSchema,
} from './verdict.js';

/**
 * `gauntlet.run`'s options: `runGauntlet`'s, with the provider also by id (`'stripe'`, as `describeGuarantees` takes
 * it) and the replay command optional (by default the `npx ipn-gauntlet run …` line that replays one guarantee, the
 * secret read from IPN_GAUNTLET_SECRET).
 */
export type GauntletRunOptions = Omit<RunOptions, 'provider' | 'replayCommand'> & {
  readonly provider: Provider | ProviderId;
  readonly replayCommand?: RunOptions['replayCommand'];
};

function runWithDefaults(options: GauntletRunOptions): Promise<RunReport> {
  const provider = typeof options.provider === 'string' ? providerById(options.provider) : options.provider;
  const invocation = {
    kind: 'run',
    target: [options.target, ...(options.otherTargets ?? [])].join(','),
    probe: options.probe,
    provider: provider.id,
    ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
    ...(options.profile === undefined ? {} : { profileFlags: profileReplayFlags(options.profile) }),
    probeToken: options.probeToken !== undefined,
  } as const;
  return runGauntlet({
    ...options,
    provider,
    replayCommand: options.replayCommand ?? ((guarantee) => replayCommand(invocation, options.seed, guarantee)),
  });
}

export const gauntlet = { run: runWithDefaults } as const;
