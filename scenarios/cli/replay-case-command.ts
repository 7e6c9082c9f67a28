import { IpnError } from '../../contracts/errors.js';
import { readCaseFile } from '../explore/case-file.js';
import { replayCase } from '../explore/replay-case.js';
import { openProbe, probeFlagNames } from '../probes/probe-choice.js';
import { replayCaseCommandLine } from '../replay-command.js';
import { styleFor } from '../report/console.js';
import { parseFlags, probeTokenHelp } from './args.js';
import type { CliIo } from './io.js';
import { receiverSetup } from './receiver-flags.js';

export const replayHelp = `Usage: ipn-gauntlet replay CASE.json [--target URL] [--probe URL|--probe-sql FILE|--probe-module FILE] [--secret S]

Plays a saved case again, exactly, with fresh ids so the receiver needs no reset. A case from \`explore\` replays the
same orders and deliveries in the same order, concurrent copies on the same race schedule; a case from
\`run --save-cases\` replays that guarantee's scenario with the same seed. Prints what the receiver answered and
whether the verdict is the one saved.

  --target URL     your receiver's webhook URL (default: the one the case was found against)
  --probe URL      your receiver's probe base URL (default: the case's, when it was an HTTP probe)
  --probe-sql FILE, --probe-module FILE  a SQL or module probe instead (README, "Probes without server code");
                   a case found with one needs it again
${probeTokenHelp}
  --secret S       the endpoint secret (or set IPN_GAUNTLET_SECRET); case files never hold it
  --notification-url URL  the URL your endpoint is registered under, for schemes that sign it (Square)

Exit code: 0 the receiver now handles the case, 1 the case still fails, 2 usage or setup error.
To replay a directory of cases as a regression suite: \`ipn-gauntlet run --cases DIR …\`.`;

export async function replayCaseCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [file, ...rest] = args;
  if (file === undefined || file.startsWith('-')) {
    throw new IpnError('IPN_ERR_USAGE', 'replay needs the case file to play, first: `ipn-gauntlet replay CASE.json`.', {
      hint: 'Run `ipn-gauntlet replay --help`.',
    });
  }
  const flags = parseFlags(rest, ['target', ...probeFlagNames, 'secret', 'notification-url', 'probe-token'], 'replay');
  const found = await readCaseFile(file);
  const given = receiverSetup(flags, io, 'replay', found);
  const opened = await openProbe(given.probeChoice, { redact: (...values) => io.redactor.add(...values) });
  const setup = { ...given, probe: opened.name };
  const style = styleFor(io.stdout, io.env);
  io.stdout.write(`\n${style.bold(`Replaying ${file}`)} ${style.dim(`→ ${setup.target}  (${found.provider})`)}\n`);

  const outcome = await replayCase(found, {
    ...setup,
    ...(opened.client === undefined ? {} : { probeClient: opened.client }),
    session: io.randomRunId(),
    clock: io.clock,
    replayCommand: replayCaseCommandLine(file, {
      target: setup.target,
      probe: opened.replay.value,
      probeFlag: opened.replay.flag,
    }),
  }).finally(() => opened.close());
  const mark = outcome.status === 'pass' ? style.ok('PASS') : style.bad('FAIL');
  io.stdout.write(`  ${mark}  ${outcome.status === 'pass' ? 'the receiver handles this case' : 'the case fails'}\n\n`);
  for (const line of outcome.listing) io.stdout.write(`  ${line}\n`);
  const same = outcome.status === found.verdict.status;
  io.stdout.write(
    same
      ? `\n  Same verdict as saved (${found.verdict.status}).\n`
      : `\n  Verdict changed: saved ${found.verdict.status}, now ${outcome.status}.\n`,
  );
  return outcome.status === 'pass' ? 0 : 1;
}
