import { IpnError } from '../../contracts/errors.js';
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

Routes: ${Object.values(providers)
  .map((p) => `POST /webhooks/${p.route}`)
  .join(', ')}; the probe at /ipn-probe.`;

export async function receiverCommand(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(
    args,
    { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' } },
    'receiver',
  );
  const secrets = secretsFromEnv(io.env);
  if (Object.keys(secrets).length === 0) {
    throw new IpnError('IPN_ERR_SECRET_MISSING', 'the receiver has no webhook secret to verify with.', {
      hint: 'Set STRIPE_WEBHOOK_SECRET and/or STANDARD_WEBHOOKS_SECRET.',
    });
  }
  const receiver = await startReceiver({
    secrets,
    dbFile: flags.db ?? 'ipn-receiver.db',
    port: parsePort(flags.port, 3000),
    host: flags.host ?? '127.0.0.1',
    clock: io.clock,
    logger: true,
  });
  io.stdout.write(`Reference receiver listening at ${receiver.url} (probe: ${receiver.url}/ipn-probe)\n`);
  await io.untilStopped();
  await receiver.close();
  return 0;
}
