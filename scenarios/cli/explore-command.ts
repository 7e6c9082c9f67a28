import { providerIds } from '../../contracts/providers/index.js';
import { defaultLimits } from '../explore/arbitrary.js';
import { type CaseFile, DEFAULT_CASES_DIR, toolVersion, writeCaseFile } from '../explore/case-file.js';
import { explore, exploreDefaults } from '../explore/explore.js';
import { planListing } from '../explore/plan-listing.js';
import { deliveriesOf } from '../explore/plan-model.js';
import { replayCaseCommandLine } from '../replay-command.js';
import { styleFor } from '../report/console.js';
import { parseFlags, parseSeed, probeTokenHelp } from './args.js';
import type { CliIo } from './io.js';
import { parseCount, receiverSetup } from './receiver-flags.js';

export const exploreHelp = `Usage: ipn-gauntlet explore --target URL --probe URL --provider ID --secret S [options]

Searches for a delivery schedule your receiver gets wrong. fast-check generates random plans over a few orders (plain
deliveries in any order, duplicates, concurrent copies on a seeded race schedule, re-signed copies, forgeries, replays
outside the window, rotated secrets, reformatted bodies, malformed requests, pauses), plays each against the receiver
with fresh order ids, and checks every answer and, through the probe, every order against the lifecycle rule. The
first failing plan is shrunk to the smallest one that still fails and printed as a numbered list of deliveries; it is
saved as a case file that \`ipn-gauntlet replay\` plays again.

  --target URL       your receiver's webhook URL for this provider
  --probe URL        the base URL of your receiver's probe
${probeTokenHelp}
  --provider ID      ${providerIds.join(' | ')} (signed providers only)
  --secret S         the endpoint secret (or set IPN_GAUNTLET_SECRET)
  --seed N           replay a search exactly (default: a fresh seed, printed)
  --runs N           random plans to try (default ${exploreDefaults.runs}; shrinking runs come on top)
  --max-ops N        most operations in one plan (default ${defaultLimits.maxOps})
  --time-limit S     most seconds for the whole search, shrinking included (default ${exploreDefaults.totalTimeMs / 1000})
  --save DIR         where to write the failing case (default ${DEFAULT_CASES_DIR})
  --path P           fast-check's path to a counterexample (from a case file): replays that plan directly
  --notification-url URL  the URL your endpoint is registered under, for schemes that sign it (Square)

Exit code: 0 nothing failed, 1 a failing plan was found, 2 usage or setup error.`;

export async function exploreCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(
    args,
    [
      'target',
      'probe',
      'provider',
      'secret',
      'seed',
      'runs',
      'max-ops',
      'time-limit',
      'save',
      'path',
      'notification-url',
      'probe-token',
    ],
    'explore',
  );
  const setup = receiverSetup(flags, io, 'explore');
  const seed = parseSeed(flags.seed, io.randomSeed);
  const runs = parseCount(flags.runs, '--runs', exploreDefaults.runs, 100_000);
  const maxOps = parseCount(flags['max-ops'], '--max-ops', defaultLimits.maxOps, 64);
  const seconds = parseCount(flags['time-limit'], '--time-limit', exploreDefaults.totalTimeMs / 1000, 86_400);
  const style = styleFor(io.stdout, io.env);

  io.stdout.write(
    `\n${style.bold(`Exploring ${setup.provider.title}`)} ${style.dim(`→ ${setup.target}  (seed ${seed}, ${runs} runs)`)}\n`,
  );
  const result = await explore({
    ...setup,
    seed,
    runs,
    session: io.randomRunId(),
    totalTimeMs: seconds * 1000,
    limits: { ...defaultLimits, maxOps },
    clock: io.clock,
    ...(flags.path === undefined ? {} : { path: flags.path }),
  });
  const timing = `${result.plays} plays, ${(result.durationMs / 1000).toFixed(1)}s${result.interrupted ? ', stopped at the time limit' : ''}`;
  if (result.failure === null) {
    io.stdout.write(
      `  ${style.ok('PASS')}  no failing plan in ${result.runs} random plans ${style.dim(`(${timing})`)}\n`,
    );
    return 0;
  }

  const { plan, outcome, path } = result.failure;
  const faults = [
    ...new Set(outcome.steps.flatMap(({ step }) => step.deliveries.flatMap((d) => (d.fault ? [d.fault.kind] : [])))),
  ];
  io.stdout.write(
    `  ${style.bad('FAIL')}  a failing plan after ${result.runs} random plans, shrunk ${result.shrinks} times to ` +
      `${deliveriesOf(plan)} deliveries (${faults.length === 0 ? 'no faults' : `faults: ${faults.join(', ')}`}) ` +
      `${style.dim(`(${timing})`)}\n\n`,
  );
  for (const line of planListing(outcome)) io.stdout.write(`  ${line}\n`);
  if (outcome.status === 'pass') {
    io.stdout.write(
      `  ${style.dim('This plan failed while shrinking but passed when played again: the failure is flaky.')}\n`,
    );
  }

  const found: CaseFile = {
    tool: 'ipn-gauntlet',
    format: 1,
    version: toolVersion(),
    kind: 'explore',
    provider: setup.provider.id,
    seed,
    path,
    target: setup.target,
    probe: setup.probe,
    createdAt: new Date(io.clock()).toISOString(),
    plan,
    verdict: { status: outcome.status, problems: outcome.findings.map((f) => f.problem) },
  };
  const directory = flags.save ?? DEFAULT_CASES_DIR;
  const file = await writeCaseFile(directory, io.redactor.value(found));
  const where = flags.save === undefined ? ' (the default directory; --save DIR to choose)' : '';
  io.stdout.write(`\n  Case saved: ${file}${where}\n`);
  io.stdout.write(`  Replay: ${replayCaseCommandLine(file, setup)}\n`);
  return 1;
}
