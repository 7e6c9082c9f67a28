import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ProviderId, providerById, providerIds, providers } from '../../contracts/providers/index.js';
import { startReceiver } from '../../receiver/server.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger, listEndpoint } from '../../simulator/gateway/routes/index.js';
import { startGateway } from '../../simulator/gateway/server.js';
import { replayCommand } from '../replay-command.js';
import type { RunOptions } from '../runner.js';
import { openDashboard, takeUiFlags, uiHelp } from '../ui/cli-flags.js';
import { parseFlags, parseOnly, parseSeed } from './args.js';
import { executeRuns } from './execute.js';
import type { CliIo } from './io.js';
import { parseCount } from './receiver-flags.js';
import { scratchDirectory } from './scratch-directory.js';

/**
 * Providers played at once by default. They share only the receiver (each run has its own orders and events), but the
 * demo is CPU-bound: on 2 cores, 1, 2 and 4 at once took the same 8–9 s (bench/suite-time.md), and one at a time keeps
 * the progress line.
 */
const DEFAULT_PARALLEL = 1;

export const demoHelp = `Usage: ipn-gauntlet demo [--provider ID] [--seed N] [--only IDS] [--parallel N] [--json FILE] [--summary-export FILE] [--junit FILE] [--html FILE] [--ui]

Starts the reference receiver on a free port with a temporary SQLite database and fresh secrets, and runs every
scenario against it, for every provider (or the one named). What a correct receiver looks like.

  --provider ID    ${providerIds.join(' | ')} (default: all)
  --seed N         replay a run exactly (default: a fresh seed, printed)
  --only IDS       comma-separated guarantee ids
  --parallel N     how many providers play at once (default ${DEFAULT_PARALLEL}: one after another, with a progress line);
                   above 1, each provider's lines are printed together, in order
  --json FILE      write the verdicts as JSON
  --junit FILE     write a JUnit XML report
  --html FILE      write a self-contained HTML report
  --summary-export FILE  write the verdicts as one small JSON document (schemas/run-summary.schema.json)
${uiHelp}`;

/** The API key the demo's receiver reads the fake gateway's event lists with (any test-mode key is accepted). */
const DEMO_API_KEY = 'sk_test_ipn_gauntlet_demo';
/** PayPal REST's app credentials (`client_id:secret`) for the demo's reconciler; the fake gateway takes any. */
const DEMO_APP_CREDENTIALS = 'ipn-gauntlet-demo:demo-secret';

/** Where the demo pretends the gateways reach the receiver (a proxy in front of the loopback address). */
const DEMO_PUBLIC_URL = 'https://receiver.ipn-gauntlet.test';

export async function demoCommand(args: readonly string[], io: CliIo): Promise<number> {
  const ui = takeUiFlags(args);
  const flags = parseFlags(
    ui.rest,
    ['provider', 'seed', 'only', 'parallel', 'json', 'junit', 'html', 'summary-export'],
    'demo',
  );
  const parallel = parseCount(flags.parallel, '--parallel', DEFAULT_PARALLEL, providerIds.length);
  const chosen = flags.provider === undefined ? providerIds : [providerById(flags.provider).id as ProviderId];
  const seed = parseSeed(flags.seed, io.randomSeed);
  const only = parseOnly(flags.only);
  const secrets = Object.fromEntries(chosen.map((id) => [id, providers[id].secret.generate(io.randomBytes(32))]));
  // The probe is served only with a token; the demo's receiver gets a fresh one, and so do its runs.
  const probeToken = Buffer.from(io.randomBytes(24)).toString('base64url');
  io.redactor.add(probeToken, ...Object.values(secrets));
  const directory = await mkdtemp(join(scratchDirectory(), 'ipn-gauntlet-demo-'));
  const dbFile = join(directory, 'receiver.db');
  // Postback providers (PayPal IPN) need the fake gateway to ask; its key comes from the seed, as the runner's does.
  // Certificate schemes (PayPal REST) fetch their certificate from it.
  // Providers whose gateway lists its events (Stripe) get it too: the receiver reconciles from it, and the runs play
  // the outage of consistency.reconciled.
  const postback = chosen
    .map((id) => providers[id])
    .filter(
      (p) =>
        p.postback !== undefined ||
        p.certificateUrlHeader !== undefined ||
        p.fetch !== undefined ||
        listEndpoint(p) !== undefined,
    );
  const listing = postback.filter((p) => listEndpoint(p) !== undefined).map((p) => p.id);
  const ledger = createGatewayLedger();
  const monitor = new GatewayMonitor();
  // Fetch providers (Mollie) fetch what a webhook names from it, with their API key (the gateway accepts only those).
  const apiKeys = [
    ...chosen.filter((id) => providers[id].fetch !== undefined).map((id) => secrets[id] ?? ''),
    ...(listing.length > 0 ? [DEMO_API_KEY] : []),
  ];
  const gateway =
    postback.length === 0
      ? undefined
      : await startGateway({ key: gatewayKeyFromSeed(seed), providers: postback, apiKeys, ledger, monitor });
  const receiver = await startReceiver({
    secrets,
    dbFile,
    clock: io.clock,
    ...(gateway === undefined ? {} : { gatewayUrl: gateway.url }),
    ...(gateway === undefined || listing.length === 0
      ? {}
      : {
          reconcile: {
            apiKeys: Object.fromEntries(
              listing.map((id) => [
                id,
                id === 'stripe' ? DEMO_API_KEY : id === 'mollie' ? (secrets[id] ?? '') : DEMO_APP_CREDENTIALS,
              ]),
            ),
            gatewayUrl: gateway.url,
          },
        }),
    publicUrl: DEMO_PUBLIC_URL,
    probe: { token: probeToken },
  }).catch(async (error: unknown) => {
    await gateway?.close();
    throw error;
  });
  io.stdout.write(`Reference receiver at ${receiver.url} (SQLite ${dbFile})\n`);
  if (gateway !== undefined) io.stdout.write(`Fake gateway at ${gateway.url} (PayPal postback: /cgi-bin/webscr)\n`);
  try {
    const runs: RunOptions[] = chosen.map((id) => {
      const provider = providers[id];
      return {
        target: `${receiver.url}/webhooks/${provider.route}`,
        // Square signs the URL its subscription is registered under: the public one, not the loopback address.
        ...(provider.signsNotificationUrl ? { notificationUrl: `${DEMO_PUBLIC_URL}/webhooks/${provider.route}` } : {}),
        probe: `${receiver.url}/ipn-probe`,
        probeToken,
        provider,
        secret: secrets[id] ?? '',
        seed,
        runId: io.randomRunId(),
        clock: io.clock,
        ...(only === undefined ? {} : { only }),
        ...(gateway !== undefined && listing.includes(id) ? { gatewayLedger: ledger, gatewayMonitor: monitor } : {}),
        replayCommand: (guarantee) => replayCommand({ kind: 'demo', provider: id }, seed, guarantee),
      };
    });
    const dashboard = await openDashboard(ui.options, io);
    try {
      const live = dashboard.live;
      return await dashboard.finish(
        await executeRuns(runs, io, {
          json: flags.json,
          junit: flags.junit,
          html: flags.html,
          live,
          parallel,
          ...(flags['summary-export'] === undefined
            ? {}
            : { summary: { file: flags['summary-export'], command: 'demo' } }),
        }),
      );
    } finally {
      await dashboard.close();
    }
  } finally {
    await receiver.close();
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  }
}
