import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProviderId, providerById, providerIds, providers } from '../../contracts/providers/index.js';
import { startReceiver } from '../../receiver/server.js';
import { replayCommand } from '../replay-command.js';
import type { RunOptions } from '../runner.js';
import { parseFlags, parseOnly, parseSeed } from './args.js';
import { executeRuns } from './execute.js';
import type { CliIo } from './io.js';

export const demoHelp = `Usage: ipn-gauntlet demo [--provider ID] [--seed N] [--only IDS] [--json FILE] [--junit FILE]

Starts the reference receiver on a free port with a temporary SQLite database and fresh secrets, and runs every
scenario against it, for every provider (or the one named). What a correct receiver looks like.

  --provider ID    ${providerIds.join(' | ')} (default: all)
  --seed N         replay a run exactly (default: a fresh seed, printed)
  --only IDS       comma-separated guarantee ids
  --json FILE      write the verdicts as JSON
  --junit FILE     write a JUnit XML report`;

export async function demoCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ['provider', 'seed', 'only', 'json', 'junit'], 'demo');
  const chosen = flags.provider === undefined ? providerIds : [providerById(flags.provider).id as ProviderId];
  const seed = parseSeed(flags.seed, io.randomSeed);
  const only = parseOnly(flags.only);
  const secrets = Object.fromEntries(chosen.map((id) => [id, providers[id].secret.generate(io.randomBytes(32))]));
  const directory = await mkdtemp(join(tmpdir(), 'ipn-gauntlet-demo-'));
  const dbFile = join(directory, 'receiver.db');
  const receiver = await startReceiver({ secrets, dbFile, clock: io.clock });
  io.stdout.write(`Reference receiver at ${receiver.url} (SQLite ${dbFile})\n`);
  try {
    const runs: RunOptions[] = chosen.map((id) => {
      const provider = providers[id];
      return {
        target: `${receiver.url}/webhooks/${provider.route}`,
        probe: `${receiver.url}/ipn-probe`,
        provider,
        secret: secrets[id] ?? '',
        seed,
        runId: io.randomRunId(),
        clock: io.clock,
        ...(only === undefined ? {} : { only }),
        replayCommand: (guarantee) => replayCommand({ kind: 'demo', provider: id }, seed, guarantee),
      };
    });
    return await executeRuns(runs, io, { json: flags.json, junit: flags.junit });
  } finally {
    await receiver.close();
    await rm(directory, { recursive: true, force: true });
  }
}
