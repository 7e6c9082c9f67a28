import type { GuaranteeId } from '../../contracts/guarantees.js';
import { styleFor } from '../report/console.js';
import { deliveryLogLines, loggedEntry } from '../report/delivery-log.js';
import type { TimelineEntry } from '../verdict.js';
import type { CliIo } from './io.js';

export const verboseHelp = `  --verbose        log every delivery attempt and its answer as it happens (\`--> evt_… <type> [fault]\`, then
                   \`<-- [status] <ms> <first 200 characters of the answer>\`), secrets hidden`;

/**
 * `--verbose`: taken out of a command's arguments (the rest go on to its string flags). `onAttempt` is the run's
 * attempt callback that writes the delivery log to stdout, beside the verdict lines and through the same redactor.
 */
export function takeVerboseFlag(args: readonly string[]) {
  const verbose = args.includes('--verbose');
  return {
    verbose,
    rest: args.filter((arg) => arg !== '--verbose'),
    onAttempt(io: CliIo): { onAttempt?: (guarantee: GuaranteeId, entry: TimelineEntry) => void } {
      if (!verbose) return {};
      const style = styleFor(io.stdout, io.env);
      // Where the progress line rewrites itself (a terminal, not CI), the log line replaces it; it is drawn again.
      const clear = io.stdout.isTTY === true && io.env.CI === undefined ? '\r\u001b[2K' : '';
      return {
        onAttempt: (_guarantee, entry) => io.stdout.write(`${clear}${deliveryLogLines(loggedEntry(entry), style)}`),
      };
    },
  };
}
