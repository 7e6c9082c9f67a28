import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IpnError } from '../../contracts/errors.js';
import { caseFilesIn, DEFAULT_CASES_DIR, readCaseFile, toolVersion, writeCaseFile } from '../explore/case-file.js';
import { replayCase } from '../explore/replay-case.js';
import { type OpenedProbe, openProbe, probeFlagNames } from '../probes/probe-choice.js';
import { replayCaseCommandLine } from '../replay-command.js';
import { styleFor } from '../report/console.js';
import { xmlText } from '../report/junit.js';
import type { Verdict } from '../verdict.js';
import { parseFlags } from './args.js';
import type { CliIo } from './io.js';
import { type ReceiverSetup, receiverSetup } from './receiver-flags.js';

export const casesHelp = `  --cases DIR      replay every case file in DIR (from explore or --save-cases) instead of the scenarios, as a
                   regression suite: a verdict per case, exit 1 when one still fails (--junit FILE and --json FILE
                   write one entry per case file)
  --save-cases DIR where to write each broken guarantee as a case file (default ${DEFAULT_CASES_DIR}; replay it with
                   \`replay FILE\` or --cases); --no-save-cases writes none
  --clear-fixed    with --cases: delete each case file that now passes (a regression suite that shrinks as bugs
                   are fixed; failing, unknown and other providers' cases are kept)`;

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
 * `run`'s case files: collects the broken guarantees while the run goes (`record`, a run's `onVerdict`) and then
 * writes each as a scenario case file, printing where and the command that replays it. By default into
 * DEFAULT_CASES_DIR (as explore does), `--save-cases DIR` elsewhere, `--no-save-cases` nowhere.
 */
export function caseSaver(args: readonly string[]) {
  const off = args.includes('--no-save-cases');
  const taken = takeFlag(
    args.filter((arg) => arg !== '--no-save-cases'),
    'save-cases',
  );
  if (off && taken.value !== undefined) {
    throw new IpnError('IPN_ERR_USAGE', '--save-cases DIR and --no-save-cases were both given; give one.');
  }
  const dir = off ? undefined : (taken.value ?? DEFAULT_CASES_DIR);
  const rest = taken.rest;
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
  const notForCases = ['html', 'ui', 'ui-port', 'ui-exit'].filter((name) =>
    args.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`)),
  );
  if (notForCases.length > 0) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `run --cases writes a verdict per case file, not a run's page: ${notForCases.map((n) => `--${n}`).join(', ')} is not for it.`,
      { hint: 'Use --junit FILE or --json FILE with --cases; replay one case with `replay FILE --html FILE`.' },
    );
  }
  const clearFixed = args.includes('--clear-fixed');
  const flags = parseFlags(
    args.filter((arg) => arg !== '--clear-fixed'),
    ['target', ...probeFlagNames, 'provider', 'secret', 'notification-url', 'probe-token', 'junit', 'json'],
    'run',
  );
  const given = receiverSetup(flags, io, 'run');
  const opened = await openProbe(given.probeChoice, { redact: (...values) => io.redactor.add(...values) });
  try {
    return await playCases(dir, { ...flags, clearFixed }, { ...given, probe: opened.name, opened }, io);
  } finally {
    await opened.close();
  }
}

async function playCases(
  dir: string,
  flags: { readonly junit?: string | undefined; readonly json?: string | undefined; readonly clearFixed: boolean },
  { opened, ...setup }: ReceiverSetup & { readonly opened: OpenedProbe },
  io: CliIo,
): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  const results: CaseResult[] = [];
  const files = await caseFilesIn(dir);
  io.stdout.write(
    `\n${style.bold(`Replaying ${files.length} saved cases from ${dir}`)} ${style.dim(`→ ${setup.target}`)}\n`,
  );
  const counts = { pass: 0, fail: 0, unknown: 0, skipped: 0 };
  for (const file of files) {
    const found = await readCaseFile(file);
    if (found.provider !== setup.provider.id) {
      counts.skipped += 1;
      results.push({ file, status: 'skipped', what: `found with ${found.provider}`, listing: [] });
      io.stdout.write(`  ${style.dim('SKIP')}  ${file} ${style.dim(`(found with ${found.provider})`)}\n`);
      continue;
    }
    const replay = replayCaseCommandLine(file, {
      target: setup.target,
      probe: opened.replay.value,
      probeFlag: opened.replay.flag,
    });
    const outcome = await replayCase(found, {
      ...setup,
      ...(opened.client === undefined ? {} : { probeClient: opened.client }),
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
    results.push({ file, status: outcome.status, what, listing: [...outcome.listing], replay });
    io.stdout.write(`  ${mark}  ${file} ${style.dim(`(${what})`)}\n`);
    if (outcome.status === 'pass' && flags.clearFixed) {
      await rm(file, { force: true });
      io.stdout.write(`        ${style.dim('fixed: case file removed (--clear-fixed)')}\n`);
    }
    if (outcome.status === 'fail') {
      for (const line of outcome.listing) io.stdout.write(`        ${line}\n`);
      io.stdout.write(`        Replay: ${replay}\n`);
    }
  }
  io.stdout.write(
    `\n${counts.pass} cases handled, ${counts.fail} still failing${counts.unknown > 0 ? `, ${counts.unknown} not judged` : ''}${counts.skipped > 0 ? `, ${counts.skipped} for another provider` : ''}.\n`,
  );
  if (flags.json !== undefined) {
    await writeReportFile(
      flags.json,
      `${JSON.stringify({ tool: 'ipn-gauntlet', kind: 'cases', dir, cases: results }, null, 2)}\n`,
    );
    io.stdout.write(`JSON report: ${flags.json}\n`);
  }
  if (flags.junit !== undefined) {
    await writeReportFile(flags.junit, casesJunit(dir, results));
    io.stdout.write(`JUnit report: ${flags.junit}\n`);
  }
  return counts.fail > 0 ? 1 : 0;
}

/** One replayed case file, for the JSON and JUnit reports. */
interface CaseResult {
  readonly file: string;
  readonly status: 'pass' | 'fail' | 'unknown' | 'skipped';
  /** The guarantee it was saved for, or the size of an explored plan; for a skipped case, why. */
  readonly what: string;
  readonly listing: readonly string[];
  readonly replay?: string;
}

async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** One test case per case file: a failure carries its listing and replay command; unknown and skipped are skipped. */
function casesJunit(dir: string, results: readonly CaseResult[]): string {
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'unknown' || r.status === 'skipped').length;
  const cases = results.map((result) => {
    const open = `    <testcase classname="ipn-gauntlet.cases" name="${xmlText(result.file)} (${xmlText(result.what)})"`;
    if (result.status === 'pass') return `${open}/>`;
    if (result.status === 'fail') {
      const text = [...result.listing, `Replay: ${result.replay ?? ''}`].join('\n');
      return `${open}>\n      <failure message="still failing">${xmlText(text)}</failure>\n    </testcase>`;
    }
    const why = result.status === 'skipped' ? result.what : 'not judged';
    return `${open}>\n      <skipped message="${xmlText(why)}"/>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ipn-gauntlet" tests="${results.length}" failures="${failed}" errors="0">`,
    `  <testsuite name="ipn-gauntlet cases ${xmlText(dir)}" tests="${results.length}" failures="${failed}" errors="0" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
