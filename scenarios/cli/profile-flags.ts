import { IpnError } from '../../contracts/errors.js';
import { FactKindSchema } from '../../contracts/lifecycle.js';
import { type ReceiverProfile, ReceiverProfileSchema } from '../../contracts/profile.js';
import { providerFamilies, providerIds, providers, withFamilies } from '../../contracts/providers/index.js';
import { describeIssues } from '../config/issues.js';
import { familyIds } from '../profile.js';

/**
 * The receiver profile from the command line (`--facts`, `--families`, `--order-ref`, `--order-ids`, `--currencies`,
 * `--statuses`) over the config file's `profile` key: each flag given replaces that key of the file's profile.
 */
export const profileFlagNames = ['facts', 'families', 'order-ref', 'order-ids', 'currencies', 'statuses'] as const;
type ProfileFlag = (typeof profileFlagNames)[number];

const familyLines = providerIds
  .filter((id) => Object.keys(providerFamilies[id]).length > 0)
  .map((id) => `                     ${id}: ${familyIds(withFamilies(providers[id])).join(', ')}`)
  .join('\n');

export const profileHelp = `Receiver profile (what your receiver handles; the config file's \`profile\` key, each flag overriding its key):
  --facts LIST     the facts it models: ${FactKindSchema.options.join(', ')}
                   (default: every fact of its families); events of other facts are not judged as if they mattered
  --families LIST  the gateway's event families it handles (default: the provider's default family, first below):
${familyLines}
  --order-ref PATH where its code reads the order id in an event, e.g. data.object.client_reference_id, custom
  --order-ids FORM prefixed (default, ord_<run>_001) | uuid | integer
  --currencies LIST the currencies it sells in, e.g. USD,EUR (default: a mix with zero- and three-decimal ones)
  --statuses MAP   its status words, e.g. complete=paid,open=awaiting_payment (what its probe answers)`;

const flagOf: Record<keyof ReceiverProfile, ProfileFlag> = {
  facts: 'facts',
  families: 'families',
  orderRef: 'order-ref',
  orderIds: 'order-ids',
  currencies: 'currencies',
  statuses: 'statuses',
};

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `word=status,…` as a map; a pair without `=` is a usage error naming it. */
function statusMap(value: string): Record<string, string> {
  return Object.fromEntries(
    list(value).map((pair) => {
      const at = pair.lastIndexOf('=');
      if (at <= 0 || at === pair.length - 1) {
        throw new IpnError('IPN_ERR_USAGE', `--statuses: expected word=status pairs, got "${pair}".`, {
          hint: 'Pass e.g. --statuses complete=paid,open=awaiting_payment (your word, then the contract status).',
        });
      }
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/** The profile the flags and the config file give together, validated; undefined when neither gives one. */
export function parseProfile(
  flags: Partial<Record<ProfileFlag, string | undefined>>,
  configured: ReceiverProfile | undefined,
): ReceiverProfile | undefined {
  const given: Record<string, unknown> = {
    ...(flags.facts === undefined ? {} : { facts: list(flags.facts) }),
    ...(flags.families === undefined ? {} : { families: list(flags.families) }),
    ...(flags['order-ref'] === undefined ? {} : { orderRef: flags['order-ref'] }),
    ...(flags['order-ids'] === undefined ? {} : { orderIds: flags['order-ids'] }),
    ...(flags.currencies === undefined ? {} : { currencies: list(flags.currencies).map((c) => c.toUpperCase()) }),
    ...(flags.statuses === undefined ? {} : { statuses: statusMap(flags.statuses) }),
  };
  if (Object.keys(given).length === 0) return configured;
  const parsed = ReceiverProfileSchema.safeParse({ ...configured, ...given });
  if (parsed.success) return parsed.data;
  const fromFlags = parsed.error.issues.filter((issue) => String(issue.path[0] ?? '') in given);
  const issues = fromFlags.length > 0 ? fromFlags : parsed.error.issues;
  const named = describeIssues(issues).map((line, i) => {
    const path = issues[i]?.path ?? [];
    const key = String(path[0] ?? '') as keyof ReceiverProfile;
    if (!(key in given)) return `profile.${line}`;
    // The flag and the value in it that does not fit: `--facts "paid": Invalid option: expected one of …`.
    const value = path
      .slice(1)
      .reduce<unknown>((node, part) => (node as Record<PropertyKey, unknown>)?.[part], given[key]);
    const shown = path.length > 1 && typeof value === 'string' ? ` ${JSON.stringify(value)}` : '';
    return line.replace(/^[^:]*/, `--${flagOf[key]}${shown}`);
  });
  throw new IpnError('IPN_ERR_USAGE', `the receiver profile is not valid: ${named.join('; ')}.`, {
    hint: 'See `ipn-gauntlet run --help` (Receiver profile) for each flag’s form.',
  });
}

/** The profile as the flags that give it again, for replay commands (`['--facts', 'succeeded,refunded', …]`). */
export function profileReplayFlags(profile: ReceiverProfile | undefined): string[] {
  if (profile === undefined) return [];
  const flags: string[] = [];
  if (profile.facts !== undefined) flags.push('--facts', profile.facts.join(','));
  if (profile.families !== undefined) flags.push('--families', profile.families.join(','));
  if (profile.orderRef !== undefined) flags.push('--order-ref', profile.orderRef);
  if (profile.orderIds !== undefined) flags.push('--order-ids', profile.orderIds);
  if (profile.currencies !== undefined) flags.push('--currencies', profile.currencies.join(','));
  if (profile.statuses !== undefined) {
    flags.push(
      '--statuses',
      Object.entries(profile.statuses)
        .map(([word, status]) => `${word}=${status}`)
        .join(','),
    );
  }
  return flags;
}
