import { IpnError } from '../contracts/errors.js';
import type { Provider } from '../contracts/provider.js';
import { type ProviderId, providerIds, providers } from '../contracts/providers/index.js';

export type ReceiverSecrets = Partial<Record<ProviderId, string>>;

/** The environment variable that carries each provider's endpoint secret (`provider.secretEnv`). */
export const secretEnvVars = Object.fromEntries(providerIds.map((id) => [id, providers[id].secretEnv])) as Record<
  ProviderId,
  string
>;

/** The secrets set in an environment (unset and empty variables are left out). */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): ReceiverSecrets {
  const secrets: ReceiverSecrets = {};
  for (const id of providerIds) {
    const value = env[secretEnvVars[id]];
    if (value !== undefined && value !== '') secrets[id] = value;
  }
  return secrets;
}

export interface ConfiguredProvider {
  readonly provider: Provider;
  readonly secret: string;
}

/** The providers the receiver serves: those with a secret. Fails fast on none, or on a secret in the wrong format. */
export function configuredProviders(secrets: ReceiverSecrets): ConfiguredProvider[] {
  const configured: ConfiguredProvider[] = [];
  for (const id of providerIds) {
    const secret = secrets[id];
    if (secret === undefined) continue;
    const provider = providers[id];
    const problem = provider.secret.problem(secret);
    if (problem !== null) {
      throw new IpnError(
        'IPN_ERR_SECRET_FORMAT',
        `the ${provider.title} secret is unusable: ${problem}. Expected ${provider.secret.format}.`,
      );
    }
    configured.push({ provider, secret });
  }
  if (configured.length === 0) {
    const names = providerIds.map((id) => `${id} (${secretEnvVars[id]})`).join(', ');
    throw new IpnError(
      'IPN_ERR_SECRET_MISSING',
      `the receiver has no webhook secret, so it could verify nothing; give at least one of: ${names}.`,
      {
        // The receiver takes no secret flag: from the CLI, secrets come from the environment only.
        hint: `Set one of those environment variables (\`ipn-gauntlet receiver\` reads secrets from the environment only, e.g. ${secretEnvVars.stripe}=whsec_…), or pass \`secrets\` to buildReceiver.`,
      },
    );
  }
  return configured;
}
