import { IpnError } from '../../contracts/errors.js';
import { providerIds, withFamilies } from '../../contracts/providers/index.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { defaultLimits } from '../explore/arbitrary.js';
import { type CaseFile, DEFAULT_CASES_DIR, toolVersion, writeCaseFile } from '../explore/case-file.js';
import { causeListing, exploreSummary, progressLine } from '../explore/cause-listing.js';
import { exploredGuarantees, exploreFaults, parseExclusions } from '../explore/exclusions.js';
import { explore, exploreDefaults, type FoundCause } from '../explore/explore.js';
import { asksGateway, startExploreGateway } from '../explore/explore-gateway.js';
import type { PlanOutcome } from '../explore/play-plan.js';
import { type OpenedProbe, openProbe, probeFlagNames, probeHelp } from '../probes/probe-choice.js';
import { applyProfile, describeProfile } from '../profile.js';
import { pairs, replayCaseCommandLine } from '../replay-command.js';
import { type Style, styleFor } from '../report/console.js';
import { deliveryLogLines, loggedEntry } from '../report/delivery-log.js';
import { timelineEntry } from '../timeline.js';
import { parseFlags, parsePort, parseSeed, probeTokenHelp } from './args.js';
import type { CliIo } from './io.js';
import { parseProfile, profileFlagNames, profileHelp, profileReplayFlags } from './profile-flags.js';
import { parseCount, type ReceiverSetup, receiverSetup } from './receiver-flags.js';
import { takeVerboseFlag, verboseHelp } from './verbose-flag.js';

export const exploreHelp = `Usage: ipn-gauntlet explore --target URL --probe URL|--probe-sql FILE|--probe-module FILE --provider ID --secret S [options]

Searches for delivery schedules your receiver gets wrong. fast-check generates random plans over a few orders (plain
deliveries in any order, duplicates, concurrent copies on a seeded race schedule, re-signed copies, forgeries, replays
outside the window, rotated secrets, reformatted bodies, malformed requests, pauses), plays each against the receiver
with fresh order ids, and checks every answer and, through the probe, every order against the lifecycle rule. Every
plan keeps the gateway's promise: each event of each order is delivered at least once. A failing plan is shrunk to the
smallest one that still fails, named by the guarantee it breaks (with where to look) and saved as a case file; then
the search goes on with that root cause excluded, so each distinct root cause is reported once, until --runs or
--time-limit is spent.

  --target URL       your receiver's webhook URL for this provider
${probeHelp}
${probeTokenHelp}
  --provider ID      ${providerIds.join(' | ')}
  --secret S         the endpoint secret (or set IPN_GAUNTLET_SECRET)
  --seed N           replay a search exactly (default: a fresh seed, printed)
  --runs N           random plans to try in all (default ${exploreDefaults.runs}; shrinking runs come on top)
  --max-ops N        most operations in one plan (default ${defaultLimits.maxOps}), besides the deliveries the
                     promise adds
  --time-limit S     most seconds for the whole search, shrinking included (default ${exploreDefaults.totalTimeMs / 1000})
  --exclude LIST     comma-separated faults or guarantees to leave out (a known bug): faults
                     ${exploreFaults.join(', ')};
                     guarantees (their faults not generated, their failures and those built on them not reported)
                     ${exploredGuarantees.join(', ')}
  --save DIR         where to write a case file per root cause (default ${DEFAULT_CASES_DIR})
  --path P           fast-check's path to a counterexample (from a case file, with its --seed and --exclude)
  --gateway-port N   postback, fetch and certificate providers (paypal-ipn, mollie, paypal-rest): the port the fake
                     gateway listens on at 127.0.0.1 (default 8787; 0 = a free port); configure your receiver with
                     http://127.0.0.1:N as its gateway URL
  --gateway-key K    the fake gateway's key (default: derived from the seed, as \`ipn-gauntlet gateway --seed\` does)
  --notification-url URL  the URL your endpoint is registered under, for schemes that sign it (Square)
${profileHelp}
${verboseHelp} (each plan's attempts once it is played, under \`play N\`)

Exit code: 0 nothing failed, 1 a root cause was found, 2 usage or setup error.`;

/** `--verbose`: each played plan's attempts, in the delivery log's lines, under a `play N` header. */
function playLogger(io: CliIo, style: Style, live: boolean): (play: number, outcome: PlanOutcome) => void {
  return (play, outcome) => {
    const attempts = outcome.steps.flatMap((step) => step.attempts);
    const startedAt = attempts[0]?.sentAt ?? 0;
    const lines = attempts.map((attempt) => deliveryLogLines(loggedEntry(timelineEntry(attempt, startedAt)), style));
    io.stdout.write(`${live ? '\r\u001b[2K' : ''}${style.dim(`play ${play}: ${outcome.status}`)}\n${lines.join('')}`);
  };
}

export async function exploreCommand(args: readonly string[], io: CliIo): Promise<number> {
  const verbose = takeVerboseFlag(args);
  const flags = parseFlags(
    verbose.rest,
    [
      'target',
      ...probeFlagNames,
      'provider',
      'secret',
      'seed',
      'runs',
      'max-ops',
      'time-limit',
      'exclude',
      'save',
      'path',
      'gateway-port',
      'gateway-key',
      'notification-url',
      'probe-token',
      ...profileFlagNames,
    ],
    'explore',
  );
  io.redactor.add(flags['gateway-key']);
  if (flags.path !== undefined && flags.seed === undefined) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      '--path replays a counterexample of one search: give the --seed it was found with.',
      {
        hint: 'Copy --seed, --exclude and --path from the Replay line or the case file.',
      },
    );
  }
  const received = receiverSetup(flags, io, 'explore', {}, { startsGateway: true });
  // The provider with every family it has; the profile (by default its default family) picks what plans send.
  const given = { ...received, provider: withFamilies(received.provider) };
  const profile = parseProfile(flags, undefined);
  applyProfile(given.provider, profile); // a family the provider does not have fails here, before anything starts
  const opened = await openProbe(given.probeChoice, { redact: (...values) => io.redactor.add(...values) });
  const setup = { ...given, probe: opened.name, probeReplay: opened.replay };
  const seed = parseSeed(flags.seed, io.randomSeed);
  const runs = parseCount(flags.runs, '--runs', exploreDefaults.runs, 100_000);
  const maxOps = parseCount(flags['max-ops'], '--max-ops', defaultLimits.maxOps, 64);
  const seconds = parseCount(flags['time-limit'], '--time-limit', exploreDefaults.totalTimeMs / 1000, 86_400);
  const exclude = parseExclusions(flags.exclude);
  const port = parsePort(flags['gateway-port'], 8787);
  const style = styleFor(io.stdout, io.env);

  const gatewayKey = flags['gateway-key'] ?? gatewayKeyFromSeed(seed);
  const gateway = await startExploreGateway(setup.provider, { key: gatewayKey, secret: setup.secret, port }).catch(
    async (error: unknown) => {
      await opened.close();
      throw error;
    },
  );
  try {
    io.stdout.write(
      `\n${style.bold(`Exploring ${setup.provider.title}`)} ${style.dim(`→ ${setup.target}  (seed ${seed}, ${runs} runs)`)}\n`,
    );
    if (gateway !== null) io.stdout.write(`Fake gateway at ${gateway.url} (${gateway.served.join(', ')})\n`);
    if (exclude.length > 0) io.stdout.write(`Excluded: ${exclude.join(', ')}\n`);
    io.stdout.write(`Profile: ${describeProfile(setup.provider, profile)}\n`);
    const live = io.stdout.isTTY === true && io.env.CI === undefined;
    const result = await explore({
      ...setup,
      ...(profile === undefined ? {} : { profile }),
      ...(opened.client === undefined ? {} : { probeClient: opened.client }),
      seed,
      runs,
      exclude,
      session: io.randomRunId(),
      totalTimeMs: seconds * 1000,
      limits: { ...defaultLimits, maxOps },
      clock: io.clock,
      ...(setup.provider.postback === undefined ? {} : { gatewayKey }),
      ...(flags.path === undefined ? {} : { path: flags.path }),
      ...(live
        ? { onProgress: (progress) => io.stdout.write(`\r\u001b[2K  ${style.dim(progressLine(progress, runs))}`) }
        : {}),
      ...(verbose.verbose ? { onPlay: playLogger(io, style, live) } : {}),
    });
    if (live) io.stdout.write('\r\u001b[2K');
    io.stdout.write(`${exploreSummary(result, style)}\n`);

    const directory = flags.save ?? DEFAULT_CASES_DIR;
    for (const [index, cause] of result.causes.entries()) {
      io.stdout.write('\n');
      for (const line of causeListing(cause, index, style)) io.stdout.write(line === '' ? '\n' : `  ${line}\n`);
      const file = await writeCaseFile(directory, io.redactor.value(caseOf(cause, setup, seed, io)));
      const where = flags.save === undefined ? ' (the default directory; --save DIR to choose)' : '';
      io.stdout.write(`\n     Case saved: ${file}${where}\n`);
      const replay = replayLine(file, cause, setup, seed, gateway?.url, profileReplayFlags(profile));
      const keyFlag =
        flags['gateway-key'] === undefined || gateway === null ? '' : ' --gateway-key "$IPN_GAUNTLET_GATEWAY_KEY"';
      io.stdout.write(`     Replay: ${replay}${asksGateway(setup.provider) ? keyFlag : ''}\n`);
    }
    return result.causes.length === 0 ? 0 : 1;
  } finally {
    await gateway?.close();
    await opened.close();
  }
}

/** The setup with the probe opened: its name for the reports, its flag for replay commands. */
type OpenedSetup = ReceiverSetup & { readonly probeReplay: OpenedProbe['replay'] };

function caseOf(cause: FoundCause, setup: ReceiverSetup, seed: number, io: CliIo): CaseFile {
  return {
    tool: 'ipn-gauntlet',
    format: 1,
    version: toolVersion(),
    kind: 'explore',
    provider: setup.provider.id,
    seed,
    path: cause.path,
    exclude: [...cause.exclude],
    cause: { guarantee: cause.guarantee, reason: cause.reason, diagnosis: cause.diagnosis },
    target: setup.target,
    probe: setup.probe,
    createdAt: new Date(io.clock()).toISOString(),
    plan: cause.plan,
    verdict: { status: cause.outcome.status, problems: cause.outcome.findings.map((f) => f.problem) },
  };
}

/**
 * How to play a root cause again. `replay` does not start the fake gateway yet, so for the providers that ask it the
 * search itself is replayed from its seed, exclusions and path.
 */
function replayLine(
  file: string,
  cause: FoundCause,
  setup: OpenedSetup,
  seed: number,
  gateway: string | undefined,
  profileFlags: readonly string[],
): string {
  const probe = { probe: setup.probeReplay.value, probeFlag: setup.probeReplay.flag };
  if (!asksGateway(setup.provider)) return replayCaseCommandLine(file, { target: setup.target, ...probe });
  return [
    'npx ipn-gauntlet explore',
    `--target ${setup.target}`,
    `${probe.probeFlag} ${probe.probe}`,
    `--provider ${setup.provider.id}`,
    ...pairs(profileFlags),
    '--secret "$IPN_GAUNTLET_SECRET"',
    `--seed ${seed}`,
    ...(cause.exclude.length === 0 ? [] : [`--exclude ${cause.exclude.join(',')}`]),
    ...(cause.path === null ? [] : [`--path ${cause.path}`]),
    ...(gateway === undefined ? [] : [`--gateway-port ${new URL(gateway).port}`]),
  ].join(' ');
}
