import type { GuaranteeId } from '../../contracts/guarantees.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { runGauntlet } from '../../scenarios/runner.js';
import type { RunReport } from '../../scenarios/verdict.js';
import type { GatewayLedger } from '../../simulator/gateway/ledger.js';
import type { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { TEST_PROBE_TOKEN } from './probe-token.js';

let runs = 0;

/**
 * Runs the gauntlet against a receiver listening at `base` (routes /webhooks/<route>, probe /ipn-probe, which gets the
 * tests' probe token).
 */
export function gauntletAgainst(
  base: string,
  providerId: ProviderId,
  secret: string,
  options: {
    seed?: number;
    runId?: string;
    only?: GuaranteeId[];
    gatewayKey?: string;
    notificationUrl?: string;
    /** The run's gateway's ledger and monitor (its event list: `consistency.reconciled` runs). */
    gateway?: { readonly ledger: GatewayLedger; readonly monitor: GatewayMonitor };
  } = {},
): Promise<RunReport> {
  const provider = providers[providerId];
  runs += 1;
  return runGauntlet({
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider,
    secret,
    seed: options.seed ?? 7,
    runId: options.runId ?? `t${process.pid.toString(36)}${runs.toString(36)}`,
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(options.gatewayKey === undefined ? {} : { gatewayKey: options.gatewayKey }),
    ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
    ...(options.gateway === undefined
      ? {}
      : { gatewayLedger: options.gateway.ledger, gatewayMonitor: options.gateway.monitor }),
    settle: { timeoutMs: 5_000, quietMs: 150 },
    replayCommand: (guarantee) => `replay ${guarantee}`,
  });
}

export function statusOf(report: RunReport, guarantee: GuaranteeId): 'pass' | 'fail' | 'unknown' | 'absent' {
  return report.results.find((r) => r.guarantee === guarantee)?.status ?? 'absent';
}
