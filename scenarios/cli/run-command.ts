import { relative } from 'node:path';
import { IpnError } from '../../contracts/errors.js';
import { providerById, providerIds, withFamilies } from '../../contracts/providers/index.js';
import { gatewayKeyFromSeed } from '../../simulator/gateway/key.js';
import { GatewayMonitor } from '../../simulator/gateway/monitor.js';
import { createGatewayLedger, gatewayEndpoints } from '../../simulator/gateway/routes/index.js';
import { startGateway } from '../../simulator/gateway/server.js';
import { loadConfig } from '../config/load.js';
import { withConfig } from '../config/run-flags.js';
import { noProbe, openProbe, probeChoice, probeFlagNames, probeHelp } from '../probes/probe-choice.js';
import { applyProfile, describeProfile } from '../profile.js';
import { replayCommand } from '../replay-command.js';
import { openDashboard, takeUiFlags, uiHelp } from '../ui/cli-flags.js';
import {
  endpointSecret,
  parseFlags,
  parseOnly,
  parsePort,
  parseSeed,
  parseUrl,
  probeTokenHelp,
  probeTokenOption,
  required,
} from './args.js';
import { caseSaver, casesHelp, runCases, takeCasesFlag } from './cases-suite.js';
import { chaosFlagNames, chaosHelp, parseChaosFlags } from './chaos-flags.js';
import { executeRuns } from './execute.js';
import type { CliIo } from './io.js';
import { parseProfile, profileFlagNames, profileHelp, profileReplayFlags } from './profile-flags.js';
import { parseCount } from './receiver-flags.js';
import { credentialsIn, RECEIVER_CMD_ENV, receiverCmdForReplay, redactHelp, takeRedactFlags } from './redaction.js';
import { parseReporter } from './reporter-flag.js';
import { takeVerboseFlag, verboseHelp } from './verbose-flag.js';

export const runHelp = `Usage: ipn-gauntlet run --target URL --probe URL|--probe-sql FILE|--probe-module FILE --provider ID --secret S [options]

Runs every scenario against your receiver and gives a verdict per guarantee.

  --target URL     your receiver's webhook URL for this provider (e.g. http://127.0.0.1:3000/webhooks/stripe);
                   several, comma-separated, for instances behind one database: deliveries (and the copies of a
                   concurrent duplicate) are spread across them
${probeHelp}
${probeTokenHelp}
  --provider ID    ${providerIds.join(' | ')}
  --secret S       the endpoint secret your receiver verifies with (or the config file, or IPN_GAUNTLET_SECRET)
  --config FILE    an ipn-gauntlet.config.{json,mjs,js,ts} (default: the one in the working directory, if any);
                   every flag given here overrides the file's key
  --seed N         replay a run exactly (default: a fresh seed, printed)
  --only IDS       comma-separated guarantee ids (see \`ipn-gauntlet guarantees\`)
  --json FILE      write the verdicts as JSON
  --junit FILE     write a JUnit XML report (one test case per guarantee; a failure's text is its evidence)
  --html FILE      write a self-contained HTML report (verdicts, timeline of every delivery, failures, replay commands)
  --max-failures N  stop after N broken guarantees; the scenarios not played are reported as not run
  --summary-export FILE  write every verdict in one small JSON document for CI tools, valid by the published
                   schema schemas/run-summary.schema.json (status, reason codes, replay per guarantee; the exit code)
  --reporter github  also report for GitHub Actions: an ::error annotation per broken guarantee (::warning per one
                   not judged) and a table of every verdict appended to $GITHUB_STEP_SUMMARY when it is set
${uiHelp}
${verboseHelp}
  --run-id ID      prefix for order and event ids (default: fresh, so no reset of the receiver is needed)
${casesHelp}
  --gateway-port N postback and fetch providers (paypal-ipn, mollie): the port the fake gateway listens on at 127.0.0.1 (default 8787;
                   0 = a free port); configure your receiver with http://127.0.0.1:N as its gateway URL
                   (stripe: starts the gateway's event API, GET /v1/events, /v1/events/:id and
                   /v1/payment_intents/:id, for receivers that re-fetch or reconcile — point your Stripe client at
                   http://127.0.0.1:N — and adds consistency.reconciled)
  --gateway-key K  the fake gateway's key (default: derived from the seed, as \`ipn-gauntlet gateway --seed\` does)
  --notification-url URL  the URL your endpoint is registered under at the gateway, for schemes that sign it
                   (Square; default: --target)
${profileHelp}
${chaosHelp}
${redactHelp}

Exit code: 0 every guarantee held, 1 a guarantee broke, 2 usage or setup error.`;

export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const cases = takeCasesFlag(args);
  if (cases.dir !== undefined) return runCases(cases.dir, cases.rest, io);
  const saving = caseSaver(cases.rest);
  const ui = takeUiFlags(saving.rest);
  const redact = takeRedactFlags(ui.rest);
  const verbose = takeVerboseFlag(redact.rest);
  const given = parseFlags(
    verbose.rest,
    [
      'config',
      'target',
      ...probeFlagNames,
      'probe-token',
      'provider',
      'secret',
      'seed',
      'only',
      'json',
      'junit',
      'html',
      'summary-export',
      'max-failures',
      'reporter',
      'run-id',
      'notification-url',
      'gateway-port',
      'gateway-key',
      ...profileFlagNames,
      ...chaosFlagNames,
    ],
    'run',
  );
  const cwd = io.cwd ?? process.cwd();
  const config = await loadConfig({ file: given.config, cwd });
  const flags = withConfig(given, config, io.env);
  const receiverCmd = flags['receiver-cmd'] ?? io.env[RECEIVER_CMD_ENV];
  // Before anything can print them: the secret and token as given (even malformed), and credentials in commands and URLs.
  io.redactor.add(
    flags.secret,
    io.env.IPN_GAUNTLET_SECRET,
    given['probe-token'],
    io.env.IPN_GAUNTLET_PROBE_TOKEN,
    flags['gateway-key'],
    ...redact.values,
    ...credentialsIn([receiverCmd ?? '', flags.target ?? '', flags.probe ?? ''].join(' ')),
  );
  if (config !== undefined) io.stdout.write(`Config: ${config.file}\n`);
  const [target = '', ...otherTargets] = required(flags.target, '--target', 'run', "your receiver's webhook URL")
    .split(',')
    .map((url) => parseUrl(url.trim(), '--target'));
  // The command line's probe wins over the config file's (a URL there is also in `flags.probe`).
  const choice =
    probeChoice(given, 'run', {
      cwd,
      ...(config?.config.probe === undefined ? {} : { configured: { file: config.file, probe: config.config.probe } }),
    }) ?? noProbe('run');
  if (choice.kind === 'http') parseUrl(choice.url, '--probe');
  if (choice.kind !== 'http' && receiverCmd !== undefined && flags.ready === undefined) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      '--receiver-cmd with a SQL or module probe needs --ready URL (what answers once the receiver is up).',
      {
        hint: 'Pass --ready with a URL of your receiver that answers below 500 once it is up, e.g. its health route.',
      },
    );
  }
  const notificationUrl =
    flags['notification-url'] === undefined ? undefined : parseUrl(flags['notification-url'], '--notification-url');
  // The provider with every family it has; the profile (by default its default family) picks what is sent.
  const provider = withFamilies(providerById(required(flags.provider, '--provider', 'run', providerIds.join(' | '))));
  const profile = parseProfile(given, config?.config.profile);
  applyProfile(provider, profile); // a family the provider does not have fails here, before anything starts
  const secret = endpointSecret(flags.secret, io.env, provider, 'run');
  const probeToken = probeTokenOption(given['probe-token'], io.env);
  const runId = flags['run-id'] ?? io.randomRunId();
  if (!/^[a-z0-9]{1,12}$/.test(runId)) {
    throw new IpnError('IPN_ERR_USAGE', `--run-id must be 1 to 12 lower-case letters or digits, got "${runId}".`);
  }
  const seed = parseSeed(flags.seed, io.randomSeed);
  const only = parseOnly(flags.only);
  const maxFailures =
    given['max-failures'] === undefined ? undefined : parseCount(given['max-failures'], '--max-failures', 1, 1_000);
  const github = parseReporter(flags.reporter, config === undefined ? undefined : relative(cwd, config.file));
  const chaos = parseChaosFlags(
    receiverCmd === undefined ? flags : { ...flags, 'receiver-cmd': receiverCmd },
    choice.kind === 'http' ? choice.url : '',
    io.env,
  );
  const receiverFlags = chaosFlagNames.flatMap((name) => {
    const value = name === 'receiver-cmd' ? receiverCmd : flags[name];
    if (value === undefined) return [];
    // A command holding credentials is replayed from the environment, never printed.
    return [`--${name}`, name === 'receiver-cmd' ? receiverCmdForReplay(value) : value];
  });
  const opened = await openProbe(choice, { redact: (...values) => io.redactor.add(...values) });
  const probe = opened.name;
  const invocation = {
    kind: 'run',
    target: [target, ...otherTargets].join(','),
    ...(receiverFlags.length === 0 ? {} : { receiverFlags }),
    probe: opened.replay.value,
    ...(opened.replay.flag === '--probe' ? {} : { probeFlag: opened.replay.flag }),
    provider: provider.id,
    ...(notificationUrl === undefined ? {} : { notificationUrl }),
    ...(profile === undefined ? {} : { profileFlags: profileReplayFlags(profile) }),
    probeToken: probeToken.probeToken !== undefined,
  } as const;
  // Postback providers (PayPal IPN): the receiver asks the fake gateway, which this run starts and announces. Other
  // providers with a gateway API (Stripe's event re-fetch) get one when --gateway-port asks, fed with the run's events.
  const gatewayKey = flags['gateway-key'] ?? gatewayKeyFromSeed(seed);
  const gatewayLedger = createGatewayLedger();
  const gatewayMonitor = new GatewayMonitor();
  const gateway =
    provider.postback === undefined &&
    provider.fetch === undefined &&
    provider.certificateUrlHeader === undefined &&
    (flags['gateway-port'] === undefined || gatewayEndpoints([provider]).length === 0)
      ? undefined
      : await startGateway({
          key: gatewayKey,
          providers: [provider],
          ledger: gatewayLedger,
          monitor: gatewayMonitor,
          // Mollie: the payments API accepts only the run's API key (the receiver's secret).
          ...(provider.fetch === undefined ? {} : { apiKeys: [secret] }),
          port: parsePort(flags['gateway-port'], 8787),
        }).catch(async (error: unknown) => {
          await opened.close();
          throw error;
        });
  if (gateway !== undefined) {
    const served = gatewayEndpoints([provider]).map((e) => `${e.method} ${gateway.url}${e.path}`);
    io.stdout.write(`Fake gateway at ${gateway.url} (${served.join(', ')})\n`);
  }
  const dashboard = await openDashboard(ui.options, io).catch(async (error: unknown) => {
    await gateway?.close();
    await opened.close();
    throw error;
  });
  io.stdout.write(`Profile: ${describeProfile(provider, profile)}\n`);
  if (chaos.receiverProcess !== undefined) {
    io.stdout.write(`Starting the receiver: ${receiverCmd}\n`);
    await chaos.receiverProcess.start().catch(async (error: unknown) => {
      await dashboard.close();
      await gateway?.close();
      await opened.close();
      throw error;
    });
  }
  try {
    const code = await executeRuns(
      [
        {
          target,
          probe,
          ...(opened.client === undefined ? {} : { probeClient: opened.client }),
          ...probeToken,
          provider,
          ...(profile === undefined ? {} : { profile }),
          secret,
          seed,
          runId,
          clock: io.clock,
          ...(otherTargets.length === 0 ? {} : { otherTargets }),
          ...chaos,
          ...(gateway === undefined ? {} : { gatewayKey, gatewayLedger }),
          // The outage of consistency.reconciled is played when asked for with --gateway-port: the receiver's API
          // client must be pointed at this gateway's event list.
          ...(gateway === undefined || flags['gateway-port'] === undefined ? {} : { gatewayMonitor }),
          ...(notificationUrl === undefined ? {} : { notificationUrl }),
          ...(only === undefined ? {} : { only }),
          ...(maxFailures === undefined ? {} : { maxFailures }),
          replayCommand: (guarantee) => replayCommand(invocation, seed, guarantee),
          onVerdict: saving.record,
          ...verbose.onAttempt(io),
        },
      ],
      io,
      {
        json: flags.json,
        junit: flags.junit,
        html: flags.html,
        live: dashboard.live,
        github,
        ...(given['summary-export'] === undefined
          ? {}
          : { summary: { file: given['summary-export'], command: 'run' } }),
      },
    );
    await saving.write(io, { target, probe });
    return await dashboard.finish(code);
  } finally {
    await chaos.receiverProcess?.stop();
    await dashboard.close();
    await gateway?.close();
    await opened.close();
  }
}
