import { IpnError } from '../../contracts/errors.js';
import { caseFilesIn, readCaseFile, toolVersion, writeCaseFile } from '../explore/case-file.js';
import { replayCase } from '../explore/replay-case.js';
import { replayCaseCommandLine } from '../replay-command.js';
import { styleFor } from '../report/console.js';
import type { Verdict } from '../verdict.js';
import { parseFlags } from './args.js';
import type { CliIo } from './io.js';
import { receiverSetup } from './receiver-flags.js';

export const casesHelp = `  --cases DIR      replay every case file in DIR (from explore or --save-cases) instead of the scenarios, as a
                   regression suite: a verdict per case, exit 1 when one still fails
  --save-cases DIR write each broken guarantee as a case file in DIR (replay it with \`replay FILE\` or --cases)`;

/** Takes `--NAME VALUE` (or `--NAME=VALUE`) out of a command's arguments; the rest go on to its own flags. */
function takeFlag(args: readonly string[], name: string): { value: string | undefined; rest: string[] } {
  const rest = [...args];
  const at = rest.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (at < 0) return { value: undefined, rest };
  const [flag = ''] = rest.splice(at, 1);
  const value = flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : rest.splice(at, 1)[0];
  if (value === undefined || value === '' || value.startsWith('--')) {
    throw new IpnError('IPN_ERR_USAGE', `--${name} needs a directory.`, { hint: 'Run `ipn-gauntlet run --help`.' });
  }
  return { value, rest };
}

/** `run --cases DIR`. */
export function takeCasesFlag(args: readonly string[]): { dir: string | undefined; rest: string[] } {
  const { value, rest } = takeFlag(args, 'cases');
  return { dir: value, rest };
}

/**
 * `run --save-cases DIR`: collects the broken guarantees while the run goes (`record`, a run's `onVerdict`) and then
 * writes each as a scenario case file, printing where and the command that replays it.
 */
export function caseSaver(args: readonly string[]) {
  const { value: dir, rest } = takeFlag(args, 'save-cases');
  const broken: Verdict[] = [];
  return {
    rest,
    record: (verdict: Verdict) => {
      if (dir !== undefined && verdict.status === 'fail') broken.push(verdict);
    },
    async write(io: CliIo, receiver: { target: string; probe: string }): Promise<void> {
      if (dir === undefined) return;
      for (const verdict of broken) {
        const file = await writeCaseFile(
          dir,
          io.redactor.value({
            tool: 'ipn-gauntlet',
            format: 1,
            version: toolVersion(),
            kind: 'scenario',
            provider: verdict.provider,
            seed: verdict.seed,
            target: receiver.target,
            probe: receiver.probe,
            createdAt: new Date(io.clock()).toISOString(),
            guarantee: verdict.guarantee,
            verdict: { status: verdict.status, problems: verdict.findings.map((f) => f.problem) },
          } as const),
        );
        io.stdout.write(`Case saved: ${file}\n  replay: ${replayCaseCommandLine(file, receiver)}\n`);
      }
    },
  };
}

/** `run --cases DIR`: every case of the receiver's provider replayed in name order, a verdict line each. */
export async function runCases(dir: string, args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ['target', 'probe', 'provider', 'secret', 'notification-url', 'probe-token'], 'run');
  const setup = receiverSetup(flags, io, 'run');
  const style = styleFor(io.stdout, io.env);
  const files = await caseFilesIn(dir);
  io.stdout.write(
    `\n${style.bold(`Replaying ${files.length} saved cases from ${dir}`)} ${style.dim(`→ ${setup.target}`)}\n`,
  );
  const counts = { pass: 0, fail: 0, unknown: 0, skipped: 0 };
  for (const file of files) {
    const found = await readCaseFile(file);
    if (found.provider !== setup.provider.id) {
      counts.skipped += 1;
      io.stdout.write(`  ${style.dim('SKIP')}  ${file} ${style.dim(`(found with ${found.provider})`)}\n`);
      continue;
    }
    const replay = replayCaseCommandLine(file, setup);
    const outcome = await replayCase(found, {
      ...setup,
      session: io.randomRunId(),
      clock: io.clock,
      replayCommand: replay,
    });
    counts[outcome.status] += 1;
    const mark =
      outcome.status === 'pass'
        ? style.ok('PASS')
        : outcome.status === 'unknown'
          ? style.dim('UNKNOWN')
          : style.bad('FAIL');
    const what = found.kind === 'explore' ? `${found.plan.ops.length} operations` : found.guarantee;
    io.stdout.write(`  ${mark}  ${file} ${style.dim(`(${what})`)}\n`);
    if (outcome.status === 'fail') {
      for (const line of outcome.listing) io.stdout.write(`        ${line}\n`);
      io.stdout.write(`        Replay: ${replay}\n`);
    }
  }
  io.stdout.write(
    `\n${counts.pass} cases handled, ${counts.fail} still failing${counts.unknown > 0 ? `, ${counts.unknown} not judged` : ''}${counts.skipped > 0 ? `, ${counts.skipped} for another provider` : ''}.\n`,
  );
  return counts.fail > 0 ? 1 : 0;
}
