import { parseArgs } from 'node:util';
import { didYouMean } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';
import { type GuaranteeId, GuaranteeIdSchema } from '../../contracts/guarantees.js';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import type { Provider } from '../../contracts/provider.js';

/** node:util parseArgs for string flags (`--name value`), with errors that say what to do. */
export function parseFlags<const Name extends string>(
  args: readonly string[],
  names: readonly Name[],
  command: string,
): Partial<Record<Name, string>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  try {
    const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    return values as Partial<Record<Name, string>>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
    const guess = unknown === undefined ? '' : didYouMean(unknown, names, (name) => `--${name}`);
    throw new IpnError('IPN_ERR_USAGE', `${command}: ${message}.${guess}`, {
      hint: `Run \`ipn-gauntlet ${command} --help\`.`,
    });
  }
}

export function required(value: string | undefined, flag: string, command: string, what: string): string {
  if (value === undefined || value === '') {
    throw new IpnError('IPN_ERR_USAGE', `${command} needs ${flag} (${what}).`, {
      hint: `Run \`ipn-gauntlet ${command} --help\`.`,
    });
  }
  return value;
}

export function parseSeed(value: string | undefined, fallback: () => number): number {
  if (value === undefined) return fallback();
  if (!/^\d{1,10}$/.test(value) || Number(value) > 2 ** 31 - 1) {
    throw new IpnError('IPN_ERR_USAGE', `--seed must be a whole number from 0 to ${2 ** 31 - 1}, got "${value}".`);
  }
  return Number(value);
}

export function parseOnly(value: string | undefined): GuaranteeId[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .map((id) => {
      const parsed = GuaranteeIdSchema.safeParse(id);
      if (!parsed.success) {
        throw new IpnError(
          'IPN_ERR_UNKNOWN_GUARANTEE',
          `--only names "${id}", which is not a guarantee.${didYouMean(id, GuaranteeIdSchema.options)}`,
        );
      }
      return parsed.data;
    });
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new IpnError('IPN_ERR_USAGE', `--port must be a whole number from 0 to 65535, got "${value}".`);
  }
  return port;
}

export function parseUrl(value: string, flag: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return value;
  } catch {
    throw new IpnError('IPN_ERR_USAGE', `${flag} must be an http:// or https:// URL, got "${value}".`);
  }
}

/** The endpoint secret from `--secret` or IPN_GAUNTLET_SECRET, checked against the provider's format. */
export function endpointSecret(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  provider: Provider,
  command: string,
): string {
  const secret = flag ?? env.IPN_GAUNTLET_SECRET;
  if (secret === undefined || secret === '') {
    throw new IpnError('IPN_ERR_SECRET_MISSING', `${command} needs the endpoint secret your receiver verifies with.`, {
      hint: 'Pass --secret or set IPN_GAUNTLET_SECRET.',
    });
  }
  const problem = provider.secret.problem(secret);
  if (problem !== null) {
    throw new IpnError('IPN_ERR_SECRET_FORMAT', `the ${provider.title} secret is unusable: ${problem}.`, {
      hint: `Expected ${provider.secret.format}.`,
    });
  }
  return secret;
}

/** The help line of `--probe-token`, shared by every command that reads a probe. */
export const probeTokenHelp = `  --probe-token T  sent to the probe as authorization: Bearer T (default: $${PROBE_TOKEN_ENV}; the reference
                   receiver's probe requires the token it was started with)`;

/** The probe token from `--probe-token` or IPN_GAUNTLET_PROBE_TOKEN, as run options (empty when neither is set). */
export function probeTokenOption(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { probeToken?: string } {
  const token = flag ?? env[PROBE_TOKEN_ENV];
  return token === undefined || token === '' ? {} : { probeToken: token };
}
