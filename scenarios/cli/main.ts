import { didYouMean } from '../../contracts/did-you-mean.js';
import { isIpnError } from '../../contracts/errors.js';
import { guarantees } from '../../contracts/guarantees.js';
import { toolVersion } from '../explore/case-file.js';
import { demoCommand, demoHelp } from './demo-command.js';
import { exploreCommand, exploreHelp } from './explore-command.js';
import { gatewayCommand, gatewayHelp } from './gateway-command.js';
import type { CliEnvironment, CliIo } from './io.js';
import { loadCommand, loadHelp } from './load-command.js';
import { receiverCommand, receiverHelpFor } from './receiver-command.js';
import { createRedactor } from './redaction.js';
import { replayCaseCommand, replayHelp } from './replay-case-command.js';
import { runCommand, runHelp } from './run-command.js';
import { showReportCommand, showReportHelp } from './show-report-command.js';
import { triggerCommand, triggerHelp } from './trigger-command.js';

const usage = `ipn-gauntlet — a fake payment gateway that attacks your webhook receiver and says which guarantees broke.

Usage: ipn-gauntlet <command> [options]

Commands:
  demo         run everything against the reference receiver (start here)
  run          run every scenario against your receiver
  explore      search random delivery schedules for one your receiver gets wrong, and shrink it
  replay       play a saved case file again (run --cases DIR plays a directory of them)
  trigger      send one signed event of a named type to your receiver, with overrides (or print it as curl)
  load         deliver signed events under load, then check nothing was lost or applied twice
  show-report  render the HTML report from a JSON report (run --json), optionally served on 127.0.0.1
  receiver     start the reference receiver (receiver dead-letters: list, show and replay its dead letters)
  gateway      start the fake gateway's API alone (PayPal's IPN postback)
  guarantees   list the guarantees and what each checks

Run \`ipn-gauntlet <command> --help\` for a command's options; \`ipn-gauntlet --version\` prints the version.`;

const commands: Record<
  string,
  { help: string | ((args: readonly string[]) => string); run: (args: readonly string[], io: CliIo) => Promise<number> }
> = {
  demo: { help: demoHelp, run: demoCommand },
  run: { help: runHelp, run: runCommand },
  explore: { help: exploreHelp, run: exploreCommand },
  replay: { help: replayHelp, run: replayCaseCommand },
  trigger: { help: triggerHelp, run: triggerCommand },
  load: { help: loadHelp, run: loadCommand },
  'show-report': { help: showReportHelp, run: showReportCommand },
  receiver: { help: receiverHelpFor, run: receiverCommand },
  gateway: { help: gatewayHelp, run: gatewayCommand },
  guarantees: {
    help: 'Usage: ipn-gauntlet guarantees\n\nLists every guarantee: its id, what a receiver must do, and the evidence checked.',
    run: async (_args, io) => {
      for (const g of guarantees) io.stdout.write(`${g.id}\n  ${g.requirement}\n  evidence: ${g.evidence}\n`);
      return 0;
    },
  },
};

/**
 * The CLI as a function: arguments and injected io in, exit code out (0 held, 1 broken, 2 usage or setup error).
 * Everything it prints passes through the invocation's redactor (secrets the command registered become `***`).
 */
export async function main(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  const io = redacting(environment);
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`ipn-gauntlet ${toolVersion()}\n`);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(
      `IPN_ERR_USAGE: unknown command "${name}".${didYouMean(name, Object.keys(commands))}\n\n${usage}\n`,
    );
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${typeof command.help === 'string' ? command.help : command.help(args)}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (isIpnError(error)) {
      io.stderr.write(`${error.describe()}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

/** The io with a fresh redactor in front of stdout and stderr. */
function redacting(environment: CliEnvironment): CliIo {
  const redactor = createRedactor();
  const { stdout, stderr } = environment;
  return {
    ...environment,
    redactor,
    stdout: {
      write: (text: string) => stdout.write(redactor.text(text)),
      ...(stdout.isTTY === undefined ? {} : { isTTY: stdout.isTTY }),
    },
    stderr: { write: (text: string) => stderr.write(redactor.text(text)) },
  };
}
