/**
 * ipn-gauntlet's programmatic API: run the gauntlet from a test runner or a script and get the verdicts as data.
 *
 *   import { gauntlet, providers } from 'ipn-gauntlet';
 *   const report = await gauntlet.run({ target, probe, provider: providers.stripe, secret, seed: 1, runId: 'ci1',
 *     replayCommand: (g) => `ipn-gauntlet run … --seed 1 --only ${g}` });
 *   report.results.filter((r) => r.status === 'fail');
 */
import { runGauntlet } from './runner.js';

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

export const gauntlet = { run: runGauntlet } as const;
