import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IpnError } from '../../contracts/errors.js';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import { providerById, providerIds } from '../../contracts/providers/index.js';
import { loadConfig } from '../config/load.js';
import { liveOutput, loadProgressLine, loadSummary } from '../load/console.js';
import { NO_ANSWER } from '../load/history.js';
import { loadHtml } from '../load/html.js';
import { mergeShards } from '../load/merge.js';
import { type LoadModel, type LoadReport, LoadReportSchema, loadExitCode } from '../load/report.js';
import { runLoad } from '../load/run-load.js';
import { parseShard } from '../load/shard.js';
import { LoadSummarySchema, loadSummaryExport } from '../load/summary.js';
import {
  evaluateThresholds,
  parseThreshold,
  probeMetrics,
  type Threshold,
  thresholdMetrics,
} from '../load/threshold.js';
import { openProbe, probeChoice, probeFlagNames } from '../probes/probe-choice.js';
import { pairs } from '../replay-command.js';
import { styleFor } from '../report/console.js';
import { deliveryLogLines } from '../report/delivery-log.js';
import { endpointSecret, parseFlags, parseSeed, parseUrl, probeTokenHelp, probeTokenOption, required } from './args.js';
import type { CliIo } from './io.js';
import { credentialsIn } from './redaction.js';
import { takeVerboseFlag } from './verbose-flag.js';

export const loadHelp = `Usage: ipn-gauntlet load --target URL --probe URL|--probe-sql FILE|--probe-module FILE --provider ID --secret S [options]

Delivers correctly signed events as fast as the receiver takes them, measures acknowledgement latency, and afterwards
checks through the probe that nothing acknowledged was lost or applied twice and that no forgery was accepted.

  --target URL       your receiver's webhook URL for this provider
  --probe URL        your receiver's probe base URL (without it, orders are not created and state is not checked)
  --probe-sql FILE   or: SQL on your receiver's own database (README, "Probes without server code")
  --probe-module FILE  or: a module exporting createOrder and readOrder, run in-process
${probeTokenHelp}
  --provider ID      ${providerIds.join(' | ')}
  --secret S         the endpoint secret (or set IPN_GAUNTLET_SECRET)
  --rate N/s         open model: send N deliveries a second on schedule, however slowly the receiver answers
  --concurrency N    closed model: N deliveries outstanding at once (default 16 when --rate is not given)
  --duration T       stop sending after T (30s, 2m, 500ms)
  --events N         stop after N deliveries (default 10000 when --duration is not given)
  --duplicates P%    chance that a delivery is followed, a few deliveries later, by a re-signed copy (default 0)
  --forged P%        chance that a delivery is followed by a forgery of the same event (default 0)
  --orders N         most orders the events are spread over (default: as many as the events need)
  --connections N    keep-alive connections (default: the concurrency, or 64 with --rate)
  --settle-timeout T how long to wait for the receiver to apply what it acknowledged (default 60s)
  --seed N           replay a run exactly (default: a fresh seed, printed)
  --run-id ID        prefix for order and event ids (default: fresh)
  --shard I/N        send only shard I of N of the plan (same flags and --seed on every machine; the rate and the
                     concurrency are the whole test's, each shard takes its share); merge the JSON reports after
  --threshold EXPR   fail the run (exit 99) when EXPR does not hold, e.g. 'p99<200ms', 'lost==0', 'error_rate<1%';
                     repeatable; also "thresholds" in the config file. Metrics: ${thresholdMetrics.join(', ')}
  --config FILE      read "thresholds" from this config file (default: ipn-gauntlet.config.* in the directory)
  --json FILE        write the results as JSON
  --html FILE        write a self-contained HTML report with a latency-over-time chart
  --summary-export FILE  write a JSON summary (metrics, thresholds, verdict; schemas/load-summary.schema.json)
  --verbose          log every delivery as it is answered: \`--> evt_… <type> [fault]\`, then \`<-- [status] <ms>\`
                     (the generator reads each answer's status only, so no body is shown)

Usage: ipn-gauntlet load merge SHARD.json… [--threshold EXPR…] [--json FILE] [--html FILE] [--summary-export FILE]

  Merges the JSON reports of every shard of one plan (--shard 1/N … N/N): adds the latency histograms and runs the
  check once over the union of their histories. Refuses reports of different plans, a missing or repeated shard.

Exit code: 0 nothing lost, applied twice, mismatched, out of order or forged accepted and every order explained;
1 otherwise; 99 the check passed but a --threshold was crossed; 2 usage or setup error.`;

const flagNames = [
  'target',
  ...probeFlagNames,
  'probe-token',
  'provider',
  'secret',
  'rate',
  'concurrency',
  'duration',
  'events',
  'duplicates',
  'forged',
  'orders',
  'connections',
  'settle-timeout',
  'seed',
  'run-id',
  'json',
  'html',
  'shard',
  'config',
  'summary-export',
] as const;

/** The flags a replay command leaves out: secrets (read from the environment again) and report files. */
const notReplayed = new Set(['secret', 'probe-token', 'seed', 'run-id', 'json', 'html', 'summary-export', 'config']);

export async function loadCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args[0] === 'merge') return loadMergeCommand(args.slice(1), io);
  const { thresholds: thresholdFlags, rest: withVerbose } = takeThresholds(args);
  const verbose = takeVerboseFlag(withVerbose);
  const rest = verbose.rest;
  const flags = parseFlags(rest, flagNames, 'load');
  io.redactor.add(
    flags.secret,
    io.env.IPN_GAUNTLET_SECRET,
    flags['probe-token'],
    io.env.IPN_GAUNTLET_PROBE_TOKEN,
    ...credentialsIn(`${flags.target ?? ''} ${flags.probe ?? ''}`),
  );
  const target = parseUrl(required(flags.target, '--target', 'load', "your receiver's webhook URL"), '--target');
  const choice = probeChoice(flags, 'load', { cwd: io.cwd ?? process.cwd() });
  if (choice?.kind === 'http') parseUrl(choice.url, '--probe');
  const provider = providerById(required(flags.provider, '--provider', 'load', providerIds.join(' | ')));
  const secret = endpointSecret(flags.secret, io.env, provider, 'load');
  if (flags.rate !== undefined && flags.concurrency !== undefined) {
    throw usage('give --rate (open model) or --concurrency (closed model), not both');
  }
  const model: LoadModel =
    flags.rate !== undefined
      ? { kind: 'open', ratePerSecond: parseRate(flags.rate) }
      : { kind: 'closed', concurrency: parseCount(flags.concurrency, '--concurrency', 16, 10_000) };
  const durationMs = flags.duration === undefined ? null : parseDuration(flags.duration, '--duration');
  const events =
    flags.events === undefined ? (durationMs === null ? 10_000 : null) : parseCount(flags.events, '--events', 0, 1e8);
  const runId = flags['run-id'] ?? io.randomRunId();
  if (!/^[a-z0-9]{1,12}$/.test(runId))
    throw usage(`--run-id must be 1 to 12 lower-case letters or digits, got "${runId}"`);
  const seed = parseSeed(flags.seed, io.randomSeed);
  const shard = flags.shard === undefined ? null : parseShard(flags.shard);
  const thresholds = await loadThresholds(thresholdFlags, flags.config, io);
  const blind = thresholds.find((t) => probeMetrics.includes(t.metric));
  if (choice === null && blind !== undefined) {
    throw new IpnError(
      'IPN_ERR_THRESHOLD_INVALID',
      `threshold "${blind.expression}": ${blind.metric} is measured through the probe, and no probe was given.`,
      {
        hint: 'Pass --probe (or --probe-sql / --probe-module), or keep to thresholds on latency, forged, errors, error_rate and throughput.',
      },
    );
  }
  const style = styleFor(io.stdout, io.env);
  const out = liveOutput((text) => io.stdout.write(text), io.stdout.isTTY === true && io.env.CI === undefined);
  const replay = replayLine(rest, seed, runId, thresholdFlags);

  const opened =
    choice === null ? null : await openProbe(choice, { redact: (...values) => io.redactor.add(...values) });
  io.stdout.write(
    `${style.bold(`${provider.title} load`)} ${style.dim(`→ ${target}  (seed ${seed}, run ${runId})`)}\n`,
  );
  const run = await runLoad({
    target,
    probe: opened?.name ?? null,
    ...(opened?.client === undefined ? {} : { probeClient: opened.client }),
    ...probeTokenOption(flags['probe-token'], io.env),
    provider,
    secret,
    seed,
    runId,
    model,
    shard,
    replay,
    durationMs,
    events,
    orders: flags.orders === undefined ? null : parseCount(flags.orders, '--orders', 0, 1e8),
    duplicatePercent: parsePercent(flags.duplicates, '--duplicates'),
    forgedPercent: parsePercent(flags.forged, '--forged'),
    connections: parseCount(flags.connections, '--connections', model.kind === 'open' ? 64 : model.concurrency, 10_000),
    clock: io.clock,
    now: () => performance.now(),
    sleep,
    settleTimeoutMs:
      flags['settle-timeout'] === undefined ? 60_000 : parseDuration(flags['settle-timeout'], '--settle-timeout'),
    peakRss: () => process.resourceUsage().maxRSS * 1024,
    onPhase: (phase) => out.line(style.dim(`  ${phase}…`)),
    onProgress: (progress) => out.progress(`  ${style.dim(loadProgressLine(progress))}`),
    // --verbose: a line pair per answer (the generator reads each answer's status only, so no body is shown).
    ...(verbose.verbose
      ? {
          onAnswer: ({ delivery, status, ms }) =>
            out.line(
              deliveryLogLines(
                {
                  eventId: delivery.eventId,
                  label: delivery.label,
                  fault: delivery.fault === null ? null : `${delivery.fault.kind}: ${delivery.fault.detail}`,
                  attempt: 1,
                  statusCode: status === NO_ANSWER ? null : status,
                  ms,
                  detail: status === NO_ANSWER ? 'no answer (timeout or reset)' : '',
                },
                style,
              ).trimEnd(),
            ),
        }
      : {}),
  }).finally(() => {
    out.end();
    return opened?.close();
  });
  const report = { ...run, thresholds: evaluateThresholds(thresholds, run) };
  return writeOutputs(report, flags, io);
}

/** The summary on stdout, then the files asked for; returns the exit code. */
async function writeOutputs(
  report: LoadReport,
  flags: { readonly json?: string; readonly html?: string; readonly 'summary-export'?: string },
  io: CliIo,
): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  io.stdout.write(`${loadSummary(report, style)}\n`);
  if (flags.json !== undefined) {
    await writeReport(flags.json, `${JSON.stringify(io.redactor.value(LoadReportSchema.parse(report)), null, 2)}\n`);
    io.stdout.write(style.dim(`JSON report: ${flags.json}\n`));
  }
  if (flags.html !== undefined) {
    await writeReport(flags.html, loadHtml(io.redactor.value(report)));
    io.stdout.write(style.dim(`HTML report: ${flags.html}\n`));
  }
  const summaryFile = flags['summary-export'];
  if (summaryFile !== undefined) {
    const summary = LoadSummarySchema.parse(loadSummaryExport(report));
    await writeReport(summaryFile, `${JSON.stringify(io.redactor.value(summary), null, 2)}\n`);
    io.stdout.write(style.dim(`summary: ${summaryFile}\n`));
  }
  return loadExitCode(report);
}

/** `load merge a.json b.json …`: one report, and one check, for every shard of a plan. */
async function loadMergeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { thresholds: thresholdFlags, rest } = takeThresholds(args);
  const files: string[] = [];
  const flagArgs: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] ?? '';
    if (!arg.startsWith('--')) files.push(arg);
    else if (arg.includes('=')) flagArgs.push(arg);
    else {
      flagArgs.push(arg, rest[i + 1] ?? '');
      i += 1;
    }
  }
  const flags = parseFlags(flagArgs, ['json', 'html', 'summary-export', 'config'] as const, 'load merge');
  const thresholds = await loadThresholds(thresholdFlags, flags.config, io);
  const cwd = io.cwd ?? process.cwd();
  const shards = await Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        text = await readFile(resolve(cwd, file), 'utf8');
      } catch {
        throw new IpnError('IPN_ERR_LOAD_SHARDS', `load merge: cannot read ${file}.`);
      }
      try {
        return { file, json: JSON.parse(text) as unknown };
      } catch {
        throw new IpnError('IPN_ERR_LOAD_SHARDS', `load merge: ${file} is not JSON.`);
      }
    }),
  );
  const merged = mergeShards(shards);
  return writeOutputs({ ...merged, thresholds: evaluateThresholds(thresholds, merged) }, flags, io);
}

/** `--threshold EXPR` may be given several times; parseFlags keeps one value a flag, so they are taken out first. */
function takeThresholds(args: readonly string[]): { thresholds: string[]; rest: string[] } {
  const thresholds: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--threshold') {
      const value = args[i + 1];
      if (value === undefined) throw usage("--threshold needs an expression, such as 'p99<200ms'");
      thresholds.push(value);
      i += 1;
    } else if (arg.startsWith('--threshold=')) thresholds.push(arg.slice('--threshold='.length));
    else rest.push(arg);
  }
  return { thresholds, rest };
}

/** The flags' thresholds, then the config file's; each parsed now, so a mistake stops the run before it starts. */
async function loadThresholds(
  expressions: readonly string[],
  configFile: string | undefined,
  io: CliIo,
): Promise<Threshold[]> {
  const loaded = await loadConfig({ file: configFile, cwd: io.cwd ?? process.cwd() });
  return [...expressions, ...(loaded?.config.thresholds ?? [])].map(parseThreshold);
}

/** The command that sends the same plan again: the flags as given, seed and run id pinned, secrets from the environment. */
function replayLine(args: readonly string[], seed: number, runId: string, thresholds: readonly string[]): string {
  const given: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const name = (args[i] ?? '').replace(/^--/, '').split('=')[0] ?? '';
    const inline = (args[i] ?? '').includes('=');
    const value = inline ? (args[i] ?? '').slice((args[i] ?? '').indexOf('=') + 1) : (args[i + 1] ?? '');
    if (!inline) i += 1;
    if (!notReplayed.has(name)) given.push(`--${name}`, value);
  }
  return [
    'npx ipn-gauntlet load',
    ...pairs(given),
    '--secret "$IPN_GAUNTLET_SECRET"',
    ...(args.includes('--probe-token') ? [`--probe-token "$${PROBE_TOKEN_ENV}"`] : []),
    ...pairs(['--seed', String(seed), '--run-id', runId]),
    ...pairs(thresholds.flatMap((t) => ['--threshold', t])),
  ].join(' ');
}

async function writeReport(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => (ms < 1 ? setImmediate(resolve) : setTimeout(resolve, ms)));

function usage(message: string): IpnError {
  return new IpnError('IPN_ERR_USAGE', `load: ${message}.`, { hint: 'Run `ipn-gauntlet load --help`.' });
}

function parseCount(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > max) {
    throw usage(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return parsed;
}

export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(value);
  const rate = match === null ? Number.NaN : Number(match[1]);
  if (!(rate > 0 && rate <= 1_000_000)) throw usage(`--rate must look like 500/s (up to 1000000/s), got "${value}"`);
  return rate;
}

export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value);
  if (match === null) throw usage(`${flag} must look like 30s, 2m or 500ms, got "${value}"`);
  const amount = Number(match[1]);
  const ms = match[2] === 'ms' ? amount : match[2] === 'm' ? amount * 60_000 : amount * 1000;
  if (!(ms > 0 && ms <= 24 * 3_600_000)) throw usage(`${flag} must be more than 0 and at most 24h, got "${value}"`);
  return ms;
}

export function parsePercent(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value);
  const percent = match === null ? Number.NaN : Number(match[1]);
  if (!(percent >= 0 && percent <= 100)) throw usage(`${flag} must be a percentage from 0% to 100%, got "${value}"`);
  return percent;
}
