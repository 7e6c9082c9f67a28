import type { GuaranteeId } from '../contracts/guarantees.js';

/** How a run was invoked, enough to print the one command that replays one guarantee of it. */
export type Invocation =
  | { readonly kind: 'run'; readonly target: string; readonly probe: string; readonly provider: string }
  | { readonly kind: 'demo'; readonly provider: string };

const quote = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`);

/** The secret is never printed: the command reads it from IPN_GAUNTLET_SECRET. */
export function replayCommand(invocation: Invocation, seed: number, guarantee: GuaranteeId): string {
  if (invocation.kind === 'demo') {
    return `npx ipn-gauntlet demo --provider ${quote(invocation.provider)} --seed ${seed} --only ${guarantee}`;
  }
  return [
    'npx ipn-gauntlet run',
    `--target ${quote(invocation.target)}`,
    `--probe ${quote(invocation.probe)}`,
    `--provider ${quote(invocation.provider)}`,
    '--secret "$IPN_GAUNTLET_SECRET"',
    `--seed ${seed}`,
    `--only ${guarantee}`,
  ].join(' ');
}
