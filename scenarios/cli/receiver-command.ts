import { providers } from '../../contracts/providers/index.js';
import { secretsFromEnv } from '../../receiver/app.js';
import { startReceiver } from '../../receiver/server.js';
import { parseFlags, parsePort } from './args.js';
import type { CliIo } from './io.js';

export const receiverHelp = `Usage: ipn-gauntlet receiver [--port N] [--host H] [--db FILE]

Starts the reference receiver: verify raw bytes → validate → durable idempotent inbox → 2xx → worker → order state.
Secrets come from the environment: STRIPE_WEBHOOK_SECRET, STANDARD_WEBHOOKS_SECRET (at least one).

  --port N     port to listen on (default 3000; 0 = a free port)
  --host H     address to listen on (default 127.0.0.1)
  --db FILE    SQLite database file (default ./ipn-receiver.db)

Logs are pino JSON on standard output; LOG_LEVEL sets the level (default info).

Routes: ${Object.values(providers)
  .map((p) => `POST /webhooks/${p.route}`)
  .join(', ')}; the probe at /ipn-probe.`;

export async function receiverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ['port', 'host', 'db'], 'receiver');
  // The receiver refuses to start without a secret, naming the environment variables to set.
  const receiver = await startReceiver({
    secrets: secretsFromEnv(io.env),
    dbFile: flags.db ?? 'ipn-receiver.db',
    port: parsePort(flags.port, 3000),
    host: flags.host ?? '127.0.0.1',
    clock: io.clock,
    logger: { level: io.env.LOG_LEVEL ?? 'info' },
  });
  io.stdout.write(`Reference receiver listening at ${receiver.url} (probe: ${receiver.url}/ipn-probe)\n`);
  await io.untilStopped();
  await receiver.close();
  return 0;
}
