import { IpnError } from '../../contracts/errors.js';
import type { LoadedConfig } from './load.js';

/** The `run` flags a config file can set; a flag given on the command line wins over the file. */
export type ConfigurableFlag =
  | 'target'
  | 'probe'
  | 'provider'
  | 'secret'
  | 'seed'
  | 'only'
  | 'json'
  | 'junit'
  | 'html'
  | 'run-id'
  | 'notification-url'
  | 'gateway-port';

type Flags = Partial<Record<ConfigurableFlag, string>>;

/** The flags with every one the command line left out taken from the config (flags override the file). */
export function withConfig<F extends Flags>(
  flags: F,
  loaded: LoadedConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): F & Flags {
  if (loaded === undefined) return flags;
  const { config } = loaded;
  const provider = flags.provider ?? config.provider ?? onlyConfiguredProvider(loaded);
  const fromFile: Record<ConfigurableFlag, string | undefined> = {
    target: Array.isArray(config.target) ? config.target.join(',') : config.target,
    // An object (a SQL or module probe) is not a flag: the commands read it with configuredProbe.
    probe: typeof config.probe === 'string' ? config.probe : undefined,
    provider,
    secret: flags.secret === undefined && provider !== undefined ? secretOf(loaded, provider, env) : undefined,
    seed: config.seed === undefined ? undefined : String(config.seed),
    only: config.only?.join(','),
    json: config.reports?.json,
    junit: config.reports?.junit,
    html: config.reports?.html,
    'run-id': config.runId,
    'notification-url': config.notificationUrl,
    'gateway-port': config.gatewayPort === undefined ? undefined : String(config.gatewayPort),
  };
  const merged: Record<string, string | undefined> = { ...flags };
  for (const [name, value] of Object.entries(fromFile)) {
    if (merged[name] === undefined && value !== undefined) merged[name] = value;
  }
  return merged as F & Flags;
}

function onlyConfiguredProvider({ file, config }: LoadedConfig): string | undefined {
  const ids = Object.keys(config.providers ?? {});
  if (ids.length > 1) {
    throw new IpnError(
      'IPN_ERR_CONFIG_INVALID',
      `provider: expected one of the configured providers (${ids.join(', ')}) in ${file.split(/[\\/]/).pop()}.`,
      { hint: 'Set `provider` in the config file or pass --provider ID.' },
    );
  }
  return ids[0];
}

function secretOf(
  { config }: LoadedConfig,
  provider: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const settings = config.providers?.[provider];
  if (settings === undefined) return undefined;
  if (settings.secret !== undefined && settings.secretEnv !== undefined) {
    throw new IpnError(
      'IPN_ERR_CONFIG_INVALID',
      `providers.${provider}: expected either secret or secretEnv, not both.`,
      { hint: 'Keep secretEnv (the secret stays out of the file) and remove secret.' },
    );
  }
  if (settings.secretEnv === undefined) return settings.secret;
  const value = env[settings.secretEnv];
  if (value === undefined || value === '') {
    throw new IpnError(
      'IPN_ERR_CONFIG_INVALID',
      `providers.${provider}.secretEnv: expected the environment variable ${settings.secretEnv} to hold the secret, but it is not set.`,
      { hint: `Set ${settings.secretEnv}, or pass --secret.` },
    );
  }
  return value;
}
