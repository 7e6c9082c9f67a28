import { IpnError } from '../../contracts/errors.js';
import { providerById, providerIds } from '../../contracts/providers/index.js';
import { replayCommand } from '../replay-command.js';
import { parseFlags, parseOnly, parseSeed, parseUrl, required } from './args.js';
import { executeRuns } from './execute.js';
import type { CliIo } from './io.js';

export const runHelp = `Usage: ipn-gauntlet run --target URL --probe URL --provider ID --secret S [options]

Runs every scenario against your receiver and gives a verdict per guarantee.

  --target URL     your receiver's webhook URL for this provider (e.g. http://127.0.0.1:3000/webhooks/stripe)
  --probe URL      the base URL of your receiver's probe (e.g. http://127.0.0.1:3000/ipn-probe)
  --provider ID    ${providerIds.join(' | ')}
  --secret S       the endpoint secret your receiver verifies with (or set IPN_GAUNTLET_SECRET)
  --seed N         replay a run exactly (default: a fresh seed, printed)
  --only IDS       comma-separated guarantee ids (see \`ipn-gauntlet guarantees\`)
  --json FILE      write the verdicts as JSON
  --junit FILE     write a JUnit XML report (one test case per guarantee; a failure's text is its evidence)
  --run-id ID      prefix for order and event ids (default: fresh, so no reset of the receiver is needed)

Exit code: 0 every guarantee held, 1 a guarantee broke, 2 usage or setup error.`;

export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(
    args,
    ['target', 'probe', 'provider', 'secret', 'seed', 'only', 'json', 'junit', 'run-id'],
    'run',
  );
  const target = parseUrl(required(flags.target, '--target', 'run', "your receiver's webhook URL"), '--target');
  const probe = parseUrl(required(flags.probe, '--probe', 'run', "your receiver's probe base URL"), '--probe');
  const provider = providerById(required(flags.provider, '--provider', 'run', providerIds.join(' | ')));
  const secret = flags.secret ?? io.env.IPN_GAUNTLET_SECRET;
  if (secret === undefined || secret === '') {
    throw new IpnError('IPN_ERR_SECRET_MISSING', 'run needs the endpoint secret your receiver verifies with.', {
      hint: 'Pass --secret or set IPN_GAUNTLET_SECRET.',
    });
  }
  const problem = provider.secret.problem(secret);
  if (problem !== null) {
    throw new IpnError('IPN_ERR_SECRET_FORMAT', `the ${provider.title} secret is unusable: ${problem}.`, {
      hint: `Expected ${provider.secret.format}.`,
    });
  }
  const runId = flags['run-id'] ?? io.randomRunId();
  if (!/^[a-z0-9]{1,12}$/.test(runId)) {
    throw new IpnError('IPN_ERR_USAGE', `--run-id must be 1 to 12 lower-case letters or digits, got "${runId}".`);
  }
  const seed = parseSeed(flags.seed, io.randomSeed);
  const only = parseOnly(flags.only);
  const invocation = { kind: 'run', target, probe, provider: provider.id } as const;
  return executeRuns(
    [
      {
        target,
        probe,
        provider,
        secret,
        seed,
        runId,
        clock: io.clock,
        ...(only === undefined ? {} : { only }),
        replayCommand: (guarantee) => replayCommand(invocation, seed, guarantee),
      },
    ],
    io,
    { json: flags.json, junit: flags.junit },
  );
}
