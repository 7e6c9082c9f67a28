import { IpnError } from '../../contracts/errors.js';
import { PROBE_TOKEN_ENV, PROBE_TOKEN_MIN_LENGTH } from '../../contracts/probe.js';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver, secretsFromEnv } from '../../receiver/app.js';
import { gatewayEnvVars, gatewaysFromEnv } from '../../receiver/gateway-urls.js';
import { METRICS_TOKEN_ENV, METRICS_TOKEN_MIN_LENGTH } from '../../receiver/metrics.js';
import { ListUnavailable } from '../../receiver/reconcile.js';
import { startReceiver } from '../../receiver/server.js';
import { parseFlags, parsePort } from './args.js';
import { deadLettersCommand, deadLettersHelp } from './dead-letters-command.js';
import type { CliIo } from './io.js';
import { parseCount } from './receiver-flags.js';

/**
 * The environment variable holding each listing provider's API key, for its reconciler. Mollie's is the API key its
 * webhook's fetch already uses.
 */
const API_KEY_ENV = {
  stripe: 'IPN_GAUNTLET_API_KEY_STRIPE',
  'paypal-rest': 'IPN_GAUNTLET_API_KEY_PAYPAL_REST',
  mollie: providers.mollie.secretEnv,
} as const;
const NO_API_KEY = `none of ${API_KEY_ENV.stripe}, ${API_KEY_ENV['paypal-rest']} and ${API_KEY_ENV.mollie} is set`;
const RECONCILE_KEY_HINT = `Set ${API_KEY_ENV.stripe} to a Stripe key that may read events (sk_test_… or a restricted rk_test_… key), ${API_KEY_ENV['paypal-rest']} to PayPal REST app credentials (client_id:secret), or ${API_KEY_ENV.mollie} to a Mollie API key.`;

export const receiverHelp = `Usage: ipn-gauntlet receiver [--port N] [--host H] [--db FILE] [--public-url URL] [--probe] [--reconcile-every S]
       ipn-gauntlet receiver reconcile [--db FILE]   (one reconcile pass, then exit)
       ipn-gauntlet receiver dead-letters list|show ID|replay ID   (see \`receiver dead-letters --help\`)

Starts the reference receiver: verify raw bytes → validate → durable idempotent inbox → 2xx → worker → order state.
Secrets come from the environment (at least one): ${Object.values(providers)
  .map((p) => p.secretEnv)
  .join(', ')}.

  --port N     port to listen on (default 3000; 0 = a free port)
  --host H     address to listen on (default 127.0.0.1)
  --db FILE    SQLite database file (default ./ipn-receiver.db)
  --schema S   PostgreSQL schema for the tables (default ipn_receiver)
  --public-url URL  the base URL the gateway reaches this receiver at, behind any proxy (or IPN_GAUNTLET_PUBLIC_URL);
               required for Square, which signs the notification URL: register {URL}/webhooks/square with it
  --probe      serve the probe contract at /ipn-probe (or IPN_GAUNTLET_PROBE=1), for test environments only: every
               call must carry authorization: Bearer $${PROBE_TOKEN_ENV} (${PROBE_TOKEN_MIN_LENGTH}+ characters; the gauntlet
               sends the same variable, or --probe-token); without --probe the routes do not exist

DATABASE_URL (postgres://user:password@host:port/db) selects PostgreSQL instead of SQLite; several receivers may share
one database. If it is unreachable the receiver refuses to start; during a delivery it answers 503.

PayPal IPN (PAYPAL_RECEIVER_EMAIL, the merchant's receiver_email) is verified by posting each IPN back to the gateway,
Mollie by fetching the payment from it, and PayPal REST's certificates come from PayPal's hosts or, with a gateway, from
the gateway at the same path. IPN_GAUNTLET_GATEWAY_URL is the gateway for all three (under the gauntlet, the fake one:
\`ipn-gauntlet gateway\` prints its URL); ${gatewayEnvVars['paypal-ipn']}, ${gatewayEnvVars.mollie} and
${gatewayEnvVars['paypal-rest']} override it per provider. Live, set only the per-provider ones:
${gatewayEnvVars['paypal-ipn']}=https://ipnpb.paypal.com, ${gatewayEnvVars.mollie}=https://api.mollie.com, and none for
PayPal REST (IPN_GAUNTLET_GATEWAY_URL=https://ipnpb.paypal.com would send certificate fetches to the IPN host).

Reconciliation (after an outage longer than the gateway's retries): with ${API_KEY_ENV.stripe} (a Stripe secret or
restricted key that may read events), ${API_KEY_ENV['paypal-rest']} (PayPal REST app credentials, client_id:secret)
or ${API_KEY_ENV.mollie} set, the receiver pages through the gateway's list (GET /v1/events;
GET /v1/notifications/webhooks-events; Mollie's GET /v2/payments) from its durable cursor and stores what its webhooks
missed through the same inbox (a redelivery then changes nothing). It runs on demand (the probe's
POST /ipn-probe/reconcile, or \`ipn-gauntlet receiver reconcile\`) and every S seconds with --reconcile-every S. Each
list is read from its provider's gateway (${gatewayEnvVars.stripe}, ${gatewayEnvVars['paypal-rest']},
${gatewayEnvVars.mollie}), else IPN_GAUNTLET_GATEWAY_URL, else the live API.

Logs are pino JSON on standard output (one line per request; the start-up line is on standard error); LOG_LEVEL sets the level (default info). Prometheus metrics are at GET /metrics:
public, or with ${METRICS_TOKEN_ENV} set (${METRICS_TOKEN_MIN_LENGTH}+ characters) only to authorization: Bearer <that token>
(Prometheus: authorization.credentials_file in the scrape config).

Routes: ${Object.values(providers)
  .map((p) => `POST /webhooks/${p.route}`)
  .join(', ')}; the probe at /ipn-probe.`;

/** The help for `receiver …`: the dead-letters subcommand has its own. */
export function receiverHelpFor(args: readonly string[]): string {
  return args[0] === 'dead-letters' ? deadLettersHelp : receiverHelp;
}

export async function receiverCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args[0] === 'dead-letters') return deadLettersCommand(args.slice(1), io);
  if (args[0] === 'reconcile') return reconcileOnce(args.slice(1), io);
  const flags = parseFlags(
    args.filter((arg) => arg !== '--probe'),
    ['port', 'host', 'db', 'schema', 'public-url', 'reconcile-every'],
    'receiver',
  );
  const probe = probeOption(args.includes('--probe') || io.env.IPN_GAUNTLET_PROBE === '1', io.env);
  const publicUrl = flags['public-url'] ?? io.env.IPN_GAUNTLET_PUBLIC_URL;
  const databaseUrl = io.env.DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '' && flags.db !== undefined) {
    throw new IpnError('IPN_ERR_USAGE', 'DATABASE_URL (PostgreSQL) and --db (SQLite) were both given; give one.');
  }
  const metricsToken = io.env[METRICS_TOKEN_ENV];
  const everySeconds =
    flags['reconcile-every'] === undefined
      ? undefined
      : parseCount(flags['reconcile-every'], '--reconcile-every', 0, 86_400);
  const reconcile = reconcileOption(io.env, everySeconds);
  if (everySeconds !== undefined && reconcile === undefined) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `--reconcile-every needs an API key to read the event list with, and ${NO_API_KEY}.`,
      {
        hint: RECONCILE_KEY_HINT,
      },
    );
  }
  // The receiver refuses to start without a secret, naming the environment variables to set.
  const receiver = await startReceiver({
    secrets: secretsFromEnv(io.env),
    ...storageOption(flags, databaseUrl),
    ...(reconcile === undefined ? {} : { reconcile }),
    port: parsePort(flags.port, 3000),
    host: flags.host ?? '127.0.0.1',
    clock: io.clock,
    logger: { level: io.env.LOG_LEVEL ?? 'info' },
    ...gatewayOptions(io.env),
    ...(publicUrl ? { publicUrl } : {}),
    ...(probe === undefined ? {} : { probe }),
    ...(metricsToken ? { metrics: { token: metricsToken } } : {}),
  });
  // Standard output carries the JSON log lines only (a log shipper parses every line); this one is for people.
  io.stderr.write(
    `Reference receiver listening at ${receiver.url}${probe === undefined ? ' (no probe)' : ` (probe: ${receiver.url}/ipn-probe)`}\n`,
  );
  await io.untilStopped();
  await receiver.close();
  return 0;
}

function storageOption(flags: { readonly db?: string; readonly schema?: string }, databaseUrl: string | undefined) {
  return databaseUrl === undefined || databaseUrl === ''
    ? { dbFile: flags.db ?? 'ipn-receiver.db' }
    : { databaseUrl, ...(flags.schema === undefined ? {} : { schema: flags.schema }) };
}

/** The reconcile option from the environment: an API key per listing provider, and how often. */
function reconcileOption(env: Readonly<Record<string, string | undefined>>, everySeconds: number | undefined) {
  const apiKeys = Object.fromEntries(
    Object.entries(API_KEY_ENV).flatMap(([provider, name]) => {
      const key = env[name];
      return key === undefined || key === '' ? [] : [[provider, key]];
    }),
  );
  if (Object.keys(apiKeys).length === 0) return undefined;
  return { apiKeys, ...(everySeconds === undefined ? {} : { everyMs: everySeconds * 1_000 }) };
}

/** Where the receiver asks its gateways (postback, fetch, certificates, event lists), from the environment. */
function gatewayOptions(env: Readonly<Record<string, string | undefined>>) {
  const gateways = gatewaysFromEnv(env);
  return {
    ...(env.IPN_GAUNTLET_GATEWAY_URL ? { gatewayUrl: env.IPN_GAUNTLET_GATEWAY_URL } : {}),
    ...(Object.keys(gateways).length === 0 ? {} : { gateways }),
  };
}

/**
 * `receiver reconcile`: one pass over the gateways' event lists into the receiver's database (which a running receiver
 * may share: its worker applies what the pass stored), the stored events applied, then a line per provider. Exit 1
 * when a list could not be read (nothing of that pass kept, the cursor where it was: run it again).
 */
async function reconcileOnce(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, ['db', 'schema'], 'receiver reconcile');
  const reconcile = reconcileOption(io.env, undefined);
  if (reconcile === undefined) {
    throw new IpnError('IPN_ERR_USAGE', `receiver reconcile reads the gateway's event list, and ${NO_API_KEY}.`, {
      hint: RECONCILE_KEY_HINT,
    });
  }
  io.redactor.add(...Object.values(reconcile.apiKeys));
  const app = await buildReceiver({
    secrets: secretsFromEnv(io.env),
    ...storageOption(flags, io.env.DATABASE_URL),
    ...gatewayOptions(io.env),
    reconcile,
    clock: io.clock,
  });
  try {
    await app.ready();
    const reports = await app.reconcile();
    await app.inbox.drain();
    for (const r of reports) {
      io.stdout.write(
        `${r.provider}: ${r.pages} page(s), ${r.listed} listed, ${r.stored} recovered (new to the inbox), ${r.duplicates} already there; cursor ${r.cursor === null ? 'none' : `${r.cursor.eventId} (${new Date(r.cursor.createdSeconds * 1000).toISOString()})`}\n`,
      );
      if (r.gapSinceSeconds !== null) {
        io.stderr.write(
          `warning: the last pass was at ${new Date(r.gapSinceSeconds * 1000).toISOString()}, before the gateway's list window: events created between then and its start cannot be recovered from the list\n`,
        );
      }
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ListUnavailable)) throw error;
    io.stderr.write(
      `IPN_ERR_GATEWAY_LIST: ${error.message}. Nothing of this pass was kept and the cursor did not move: run it again.\n`,
    );
    return 1;
  } finally {
    await app.close();
  }
}

/** The probe, when enabled: its token from the environment, required (a probe anyone could call changes orders). */
function probeOption(enabled: boolean, env: Readonly<Record<string, string | undefined>>) {
  if (!enabled) return undefined;
  const token = env[PROBE_TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `--probe serves the probe only with a token, and ${PROBE_TOKEN_ENV} is not set.`,
      {
        hint: `Set ${PROBE_TOKEN_ENV} to a random string of ${PROBE_TOKEN_MIN_LENGTH}+ characters (e.g. \`openssl rand -hex 16\`) for the receiver and the gauntlet alike.`,
      },
    );
  }
  return { token };
}
