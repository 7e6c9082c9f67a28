import { IpnError } from '../../contracts/errors.js';
import type { Provider } from '../../contracts/provider.js';
import { providerById, providerIds } from '../../contracts/providers/index.js';
import { noProbe, type ProbeChoice, probeChoice } from '../probes/probe-choice.js';
import { endpointSecret, parseUrl, probeTokenOption, required } from './args.js';
import type { CliIo } from './io.js';
import { credentialsIn } from './redaction.js';

/** The receiver a command plays against, from its flags (`--target`, `--probe`, `--provider`, `--secret`). */
export interface ReceiverSetup {
  readonly target: string;
  /** The HTTP probe's URL; for a SQL or module probe, its file until `openProbe` gives its name. */
  readonly probe: string;
  readonly probeChoice: ProbeChoice;
  readonly provider: Provider;
  readonly secret: string;
  readonly notificationUrl?: string;
  readonly probeToken?: string;
}

export interface ReceiverFlags {
  readonly target?: string | undefined;
  readonly probe?: string | undefined;
  readonly 'probe-sql'?: string | undefined;
  readonly 'probe-module'?: string | undefined;
  readonly provider?: string | undefined;
  readonly secret?: string | undefined;
  readonly 'notification-url'?: string | undefined;
  readonly 'probe-token'?: string | undefined;
}

/**
 * Reads and checks the receiver flags; `fallback` supplies what a case file recorded. `startsGateway`: the command
 * starts the fake gateway that postback and fetch receivers ask (explore), so those providers are played too.
 */
export function receiverSetup(
  flags: ReceiverFlags,
  io: CliIo,
  command: string,
  fallback: { target?: string; probe?: string; provider?: string } = {},
  options: { readonly startsGateway?: boolean } = {},
): ReceiverSetup {
  io.redactor.add(
    flags.secret,
    io.env.IPN_GAUNTLET_SECRET,
    flags['probe-token'],
    io.env.IPN_GAUNTLET_PROBE_TOKEN,
    ...credentialsIn(`${flags.target ?? fallback.target ?? ''} ${flags.probe ?? fallback.probe ?? ''}`),
  );
  const target = parseUrl(
    required(flags.target ?? fallback.target, '--target', command, "your receiver's webhook URL"),
    '--target',
  );
  const choice =
    probeChoice(flags, command, {
      cwd: io.cwd ?? process.cwd(),
      ...(fallback.probe === undefined ? {} : { fallback: fallback.probe }),
    }) ?? noProbe(command);
  const probe = choice.kind === 'http' ? parseUrl(choice.url, '--probe') : 'file' in choice ? choice.file : '';
  const provider = providerById(
    required(flags.provider ?? fallback.provider, '--provider', command, providerIds.join(' | ')),
  );
  if (provider.authentication !== 'signature' && options.startsGateway !== true) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${command} plays signed deliveries only; ${provider.title} receivers confirm with the gateway, which ${command} does not start.`,
      { hint: 'Use `ipn-gauntlet run` for this provider.' },
    );
  }
  const secret = endpointSecret(flags.secret, io.env, provider, command);
  const notificationUrl = flags['notification-url'];
  return {
    target,
    probe,
    probeChoice: choice,
    provider,
    secret,
    ...(notificationUrl === undefined ? {} : { notificationUrl: parseUrl(notificationUrl, '--notification-url') }),
    ...probeTokenOption(flags['probe-token'], io.env),
  };
}

/** A whole number flag within bounds. */
export function parseCount(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new IpnError('IPN_ERR_USAGE', `${flag} must be a whole number from 1 to ${max}, got "${value}".`);
  }
  return Number(value);
}
