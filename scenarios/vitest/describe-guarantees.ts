import { beforeAll, describe, test } from 'vitest';
import { IpnError } from '../../contracts/errors.js';
import { type GuaranteeId, guarantee as guaranteeOf } from '../../contracts/guarantees.js';
import type { Provider } from '../../contracts/provider.js';
import { providerById } from '../../contracts/providers/index.js';
import { scenarios as catalog } from '../catalog/index.js';
import { runsIn, type Scenario } from '../define.js';
import { replayCommand } from '../replay-command.js';
import { RUN_LEVEL_GUARANTEES, type RunOptions, runGauntlet } from '../runner.js';
import type { RunReport } from '../verdict.js';
import { verdictDiff, verdictFailure, verdictUnknown } from './verdict-failure.js';

/** A value, or a function that gives it once the suite runs (a receiver started in `beforeAll` has its port then). */
export type Lazy<T> = T | (() => T);

export interface DescribeGuaranteesOptions
  extends Partial<
    Pick<
      RunOptions,
      'notificationUrl' | 'gatewayKey' | 'settle' | 'connections' | 'timeScale' | 'clock' | 'sleep' | 'probeToken'
    >
  > {
  /** Your receiver's webhook URL for this provider. */
  readonly target: Lazy<string>;
  /** The base URL of your receiver's probe (…/ipn-probe). */
  readonly probe: Lazy<string>;
  /** A provider id (`'stripe'`) or a provider object (`providers.stripe`, or one made with `defineProvider`). */
  readonly provider: string | Provider;
  /** The endpoint secret your receiver verifies with. */
  readonly secret: Lazy<string>;
  /** Replays a run exactly (default 1: a test suite should be reproducible). */
  readonly seed?: number;
  /** Prefix for order and event ids, 1 to 12 lower-case letters or digits (default: fresh for this process). */
  readonly runId?: string;
  /** Guarantee ids to check (default: every one that applies to the provider without a receiver process). */
  readonly only?: readonly GuaranteeId[];
  /** The name of the `describe` block (default: `ipn-gauntlet guarantees (<provider>)`). */
  readonly name?: string;
  /** How long the one gauntlet run in `beforeAll` may take, in milliseconds (default 120 000). */
  readonly timeout?: number;
  /** Other scenarios than the built-in catalog (e.g. your own made with `defineScenario`). */
  readonly scenarios?: readonly Scenario[];
}

export interface DescribedGuarantees {
  /** The guarantees that became tests, in run order. */
  readonly guarantees: readonly GuaranteeId[];
  /** The run's report once `beforeAll` has run (throws before that), for assertions of your own. */
  report(): RunReport;
}

let runs = 0;
const resolve = <T>(value: Lazy<T>): T => (typeof value === 'function' ? (value as () => T)() : value);

/**
 * The guarantees a run of `provider` checks without a receiver process or a fake gateway the gauntlet starts (so no
 * `consistency.reconciled`: that needs `ipn-gauntlet run --gateway-port`): the baseline first, the
 * scenarios', then the acknowledgement latency over all of them.
 */
export function applicableGuarantees(
  provider: Provider,
  only?: readonly GuaranteeId[],
  scenarios: readonly Scenario[] = catalog,
): GuaranteeId[] {
  const ids = [
    ...RUN_LEVEL_GUARANTEES.slice(0, 1),
    ...scenarios.filter((s) => runsIn(s, provider)).map((s) => s.guarantee),
    ...RUN_LEVEL_GUARANTEES.slice(1),
  ].filter((id) => only === undefined || only.length === 0 || only.includes(id));
  return [...new Set(ids)];
}

/**
 * Turns each applicable guarantee into a vitest test of your suite. The gauntlet runs once, in a `beforeAll`; each test
 * asserts its guarantee's verdict and, when it broke, fails with the evidence and the command that replays it.
 *
 *   describeGuarantees({ target: () => `${base}/webhooks/stripe`, probe: () => `${base}/ipn-probe`,
 *     provider: 'stripe', secret });
 */
export function describeGuarantees(options: DescribeGuaranteesOptions): DescribedGuarantees {
  const provider = typeof options.provider === 'string' ? providerById(options.provider) : options.provider;
  const seed = options.seed ?? 1;
  runs += 1;
  const runId = options.runId ?? `vt${process.pid.toString(36)}${runs.toString(36)}`.slice(0, 12);
  const ids = applicableGuarantees(provider, options.only, options.scenarios);
  const missing = (options.only ?? []).filter((id) => !ids.includes(id));
  if (missing.length > 0) {
    throw new IpnError(
      'IPN_ERR_UNKNOWN_GUARANTEE',
      `describeGuarantees: no scenario checks ${missing.join(', ')} for ${provider.id} here; checked: ${applicableGuarantees(provider, undefined, options.scenarios).join(', ')}.`,
    );
  }
  let report: RunReport | undefined;

  describe(options.name ?? `ipn-gauntlet guarantees (${provider.id})`, () => {
    beforeAll(async () => {
      const target = resolve(options.target);
      const probe = resolve(options.probe);
      const { name: _name, timeout: _timeout, target: _t, probe: _p, secret: _s, ...rest } = options;
      report = await runGauntlet({
        ...rest,
        target,
        probe,
        provider,
        secret: resolve(options.secret),
        seed,
        runId,
        only: ids,
        replayCommand: (guarantee) =>
          replayCommand(
            {
              kind: 'run',
              target,
              probe,
              provider: provider.id,
              ...(options.notificationUrl === undefined ? {} : { notificationUrl: options.notificationUrl }),
            },
            seed,
            guarantee,
          ),
      });
    }, options.timeout ?? 120_000);

    for (const id of ids) {
      test(`${id}: ${guaranteeOf(id).title}`, (context) => {
        const failure = verdictFailure(report, id);
        if (failure !== null) {
          // With `actual` and `expected`, vitest prints a diff of the probe's state against a correct receiver's.
          throw Object.assign(new Error(failure), verdictDiff(report, id) ?? {});
        }
        const unknown = verdictUnknown(report, id);
        if (unknown !== null) context.skip(unknown);
      });
    }
  });

  return {
    guarantees: ids,
    report() {
      if (report === undefined) throw new Error('the gauntlet has not run yet: read report() inside a test.');
      return report;
    },
  };
}
