import type { GuaranteeId } from '../contracts/guarantees.js';
import { PROBE_TOKEN_ENV } from '../contracts/probe.js';

/** How a run was invoked, enough to print the one command that replays one guarantee of it. */
export type Invocation =
  | {
      readonly kind: 'run';
      readonly target: string;
      /** The probe's URL, or the file of a SQL or module probe (then `probeFlag` names its flag). */
      readonly probe: string;
      /** `--probe-sql`, `--probe-module` or `--config` (a probe set in the config file); default `--probe`. */
      readonly probeFlag?: string;
      readonly provider: string;
      readonly notificationUrl?: string;
      /** Whether the run sent a probe token: the replay reads it from IPN_GAUNTLET_PROBE_TOKEN, never printed. */
      readonly probeToken?: boolean;
      /** The receiver profile's flags (`--facts succeeded,refunded`, …), as pairs. */
      readonly profileFlags?: readonly string[];
      /** Only for crash scenarios: how the gauntlet starts the receiver, and its flags. */
      readonly receiverFlags?: readonly string[];
    }
  | { readonly kind: 'demo'; readonly provider: string };

/** A value as one shell word; a double-quoted reference to an environment variable stays as it is. */
const quote = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) || /^"\$[A-Z_][A-Z0-9_]*"$/.test(value)
    ? value
    : `'${value.replaceAll("'", "'\\''")}'`;

/** The secret is never printed: the command reads it from IPN_GAUNTLET_SECRET. */
export function replayCommand(invocation: Invocation, seed: number, guarantee: GuaranteeId): string {
  if (invocation.kind === 'demo') {
    return `npx ipn-gauntlet demo --provider ${quote(invocation.provider)} --seed ${seed} --only ${guarantee}`;
  }
  return [
    'npx ipn-gauntlet run',
    `--target ${quote(invocation.target)}`,
    `${invocation.probeFlag ?? '--probe'} ${quote(invocation.probe)}`,
    `--provider ${quote(invocation.provider)}`,
    ...(invocation.notificationUrl === undefined ? [] : [`--notification-url ${quote(invocation.notificationUrl)}`]),
    ...pairs(invocation.profileFlags ?? []),
    ...pairs(invocation.receiverFlags ?? []),
    '--secret "$IPN_GAUNTLET_SECRET"',
    ...(invocation.probeToken === true ? [`--probe-token "$${PROBE_TOKEN_ENV}"`] : []),
    `--seed ${seed}`,
    `--only ${guarantee}`,
  ].join(' ');
}

/** `['--flag', 'value', …]` as `--flag value` words, each value quoted for a shell. */
export function pairs(flags: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < flags.length; i += 2) words.push(`${flags[i]} ${quote(flags[i + 1] ?? '')}`);
  return words;
}

/** The command that replays a saved case file against a receiver; the secret again comes from the environment. */
export function replayCaseCommandLine(
  file: string,
  receiver: { readonly target: string; readonly probe: string; readonly probeFlag?: string },
): string {
  return [
    `npx ipn-gauntlet replay ${quote(file)}`,
    `--target ${quote(receiver.target)}`,
    `${receiver.probeFlag ?? '--probe'} ${quote(receiver.probe)}`,
    '--secret "$IPN_GAUNTLET_SECRET"',
  ].join(' ');
}
