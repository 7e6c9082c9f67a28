import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IpnError } from '../../contracts/errors.js';
import type { ProbeClient } from '../probe-client.js';
import { loadModuleProbe } from './module-probe.js';
import { type SqlProbeSettings, SqlProbeSettingsSchema, sqlProbeKeys } from './sql-config.js';
import { messageOf } from './sql-driver.js';
import { createSqlProbe } from './sql-probe.js';
import { passwordsIn } from './sql-url.js';

/** The probe flags every command that reads a receiver's state takes; exactly one of them. */
export interface ProbeFlags {
  readonly probe?: string | undefined;
  readonly 'probe-sql'?: string | undefined;
  readonly 'probe-module'?: string | undefined;
}

export const probeFlagNames = ['probe', 'probe-sql', 'probe-module'] as const;

/** How the probe was chosen; `openProbe` makes it. */
export type ProbeChoice =
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'sql-file'; readonly file: string }
  | { readonly kind: 'sql'; readonly settings: SqlProbeSettings; readonly configFile: string }
  | { readonly kind: 'module'; readonly file: string; readonly configFile?: string };

/** The config file's `probe` key, as it was loaded. */
export interface ConfiguredProbe {
  readonly file: string;
  readonly probe: string | { readonly sql: SqlProbeSettings } | { readonly module: string };
}

export const probeHelp = `  --probe URL        the base URL of your receiver's HTTP probe (e.g. http://127.0.0.1:3000/ipn-probe)
  --probe-sql FILE   or: a .json/.mjs file with SQL on your receiver's own database ({ url, create, read,
                     pending?, statuses? }; README, "Probes without server code")
  --probe-module FILE  or: a .mjs/.js module exporting createOrder(orderId, { amount, amountMinor, currency })
                     and readOrder(orderId), run in-process`;

/**
 * The probe a command uses: exactly one of `--probe`, `--probe-sql` and `--probe-module`; without any, the config
 * file's `probe` key, then `fallback` (the probe a case file recorded). null when there is none.
 */
export function probeChoice(
  flags: ProbeFlags,
  command: string,
  context: { readonly cwd: string; readonly configured?: ConfiguredProbe | undefined; readonly fallback?: string },
): ProbeChoice | null {
  const given = probeFlagNames.filter((name) => flags[name] !== undefined && flags[name] !== '');
  if (given.length > 1) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${command}: give one probe, not ${given.map((f) => `--${f}`).join(' and ')}.`,
      {
        hint: "The HTTP probe (--probe URL), SQL on the receiver's database (--probe-sql FILE) or a module (--probe-module FILE).",
      },
    );
  }
  const at = (file: string, base: string) => (isAbsolute(file) ? file : resolve(base, file));
  if (flags.probe !== undefined && flags.probe !== '') return { kind: 'http', url: flags.probe };
  if (flags['probe-sql'] !== undefined && flags['probe-sql'] !== '') {
    return { kind: 'sql-file', file: at(flags['probe-sql'], context.cwd) };
  }
  if (flags['probe-module'] !== undefined && flags['probe-module'] !== '') {
    return { kind: 'module', file: at(flags['probe-module'], context.cwd) };
  }
  const configured = context.configured;
  if (configured !== undefined) {
    const { probe, file } = configured;
    if (typeof probe === 'string') return { kind: 'http', url: probe };
    if ('sql' in probe) return { kind: 'sql', settings: probe.sql, configFile: file };
    return { kind: 'module', file: at(probe.module, dirname(file)), configFile: file };
  }
  if (context.fallback !== undefined && /^https?:/i.test(context.fallback))
    return { kind: 'http', url: context.fallback };
  if (context.fallback !== undefined) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `${command}: the case was found with the probe ${context.fallback}, which a case file cannot bring back.`,
      { hint: 'Pass the same probe again: --probe-sql FILE or --probe-module FILE (or --probe URL).' },
    );
  }
  return null;
}

/** An opened probe: what the reports call it, the client (none: the HTTP contract at `name`), how to name it again. */
export interface OpenedProbe {
  readonly name: string;
  readonly client?: ProbeClient;
  /** The flag and value that choose this probe again, for replay commands (`--probe-sql FILE`, `--config FILE`). */
  readonly replay: { readonly flag: string; readonly value: string };
  close(): Promise<void>;
}

/** Makes the chosen probe; `redact` is told every password in a SQL URL before anything can print it. */
export async function openProbe(
  choice: ProbeChoice,
  options: { readonly redact: (...values: string[]) => void },
): Promise<OpenedProbe> {
  if (choice.kind === 'http') {
    return { name: choice.url, replay: { flag: '--probe', value: choice.url }, close: async () => {} };
  }
  if (choice.kind === 'module') {
    const opened = await loadModuleProbe(choice.file);
    return {
      ...opened,
      replay:
        choice.configFile === undefined
          ? { flag: '--probe-module', value: choice.file }
          : { flag: '--config', value: choice.configFile },
    };
  }
  const settings = choice.kind === 'sql' ? choice.settings : await readSqlSettings(choice.file);
  options.redact(...passwordsIn(settings.url));
  const baseDir = dirname(choice.kind === 'sql' ? choice.configFile : choice.file);
  const opened = createSqlProbe(settings, { baseDir });
  return {
    ...opened,
    replay:
      choice.kind === 'sql'
        ? { flag: '--config', value: choice.configFile }
        : { flag: '--probe-sql', value: choice.file },
  };
}

/** A `--probe-sql` file: JSON, or a module whose default export is the settings. */
export async function readSqlSettings(file: string): Promise<SqlProbeSettings> {
  const name = basename(file);
  if (!existsSync(file)) throw settingsError(`--probe-sql names ${file}, which does not exist.`);
  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw settingsError(`${name} is not valid JSON: ${messageOf(error)}.`);
    }
  } else if (/\.(mjs|js|cjs)$/.test(file)) {
    try {
      raw = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
    } catch (error) {
      throw settingsError(`${name} failed to load: ${messageOf(error)}.`);
    }
  } else {
    throw settingsError(`--probe-sql ${name}: expected a .json or .mjs file.`);
  }
  const parsed = SqlProbeSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length === 0 ? '(the whole file)' : issue.path.map(String).join('.');
      const unknown =
        issue.code === 'unrecognized_keys'
          ? `${issue.keys.join(', ')}: unknown key; expected one of ${sqlProbeKeys.join(', ')}`
          : '';
      return unknown === '' ? `${where}: ${issue.message}` : unknown;
    });
    throw settingsError(`${name} is not a valid SQL probe:\n  ${problems.join(';\n  ')}.`);
  }
  return parsed.data;
}

function settingsError(message: string): IpnError {
  return new IpnError('IPN_ERR_CONFIG_INVALID', message, {
    hint: 'Write the SQL probe as { "url": …, "create": …, "read": … } (README, "Probes without server code").',
  });
}

/** The usage error of a command run without any probe. */
export function noProbe(command: string): never {
  throw new IpnError(
    'IPN_ERR_USAGE',
    `${command} needs a probe, to read your receiver's state: --probe URL, --probe-sql FILE or --probe-module FILE (or \`probe\` in the config file).`,
    {
      hint: `Run \`ipn-gauntlet ${command} --help\`; README, "Probes without server code", shows the SQL and module probes.`,
    },
  );
}
