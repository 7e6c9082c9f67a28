import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IpnError } from '../../contracts/errors.js';
import { describeIssues } from './issues.js';
import { ConfigSchema, type GauntletConfig } from './schema.js';

/** The files `run` looks for in the working directory when no `--config` is given, in this order. */
export const defaultConfigFiles = [
  'ipn-gauntlet.config.json',
  'ipn-gauntlet.config.mjs',
  'ipn-gauntlet.config.js',
  'ipn-gauntlet.config.ts',
] as const;

export interface LoadedConfig {
  readonly file: string;
  readonly config: GauntletConfig;
}

export interface LoadConfigOptions {
  /** `--config FILE` (relative to cwd); when absent, the default file in cwd, if there is one. */
  readonly file?: string | undefined;
  readonly cwd: string;
  /** How a module file is loaded (default: dynamic `import()`). */
  readonly importModule?: (url: string) => Promise<Record<string, unknown>>;
}

const configError = (message: string, hint?: string) =>
  new IpnError('IPN_ERR_CONFIG_INVALID', message, hint === undefined ? undefined : { hint });

/** Finds, loads and validates the config file; undefined when none is named and none is in cwd. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig | undefined> {
  const file = configFile(options);
  if (file === undefined) return undefined;
  const raw = file.endsWith('.json') ? readJson(file) : await importConfig(file, options.importModule);
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues);
    throw configError(`${basename(file)} is not a valid config:\n  ${problems.join(';\n  ')}.`);
  }
  return { file, config: parsed.data };
}

function configFile({ file, cwd }: LoadConfigOptions): string | undefined {
  if (file !== undefined) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    if (!existsSync(path)) throw configError(`--config names ${file}, which does not exist.`);
    if (!/\.(json|mjs|js|cjs|ts|mts)$/.test(path)) {
      throw configError(`--config ${file}: expected a .json, .mjs, .js or .ts file.`);
    }
    return path;
  }
  const found = defaultConfigFiles.map((name) => join(cwd, name)).filter((path) => existsSync(path));
  if (found.length > 1) {
    throw configError(
      `found several config files (${found.map((f) => basename(f)).join(', ')}); expected one.`,
      'Remove all but one, or pick one with --config FILE.',
    );
  }
  return found[0];
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw configError(
      `${basename(file)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
}

const defaultImport = (url: string) => import(url) as Promise<Record<string, unknown>>;

async function importConfig(
  file: string,
  importModule: (url: string) => Promise<Record<string, unknown>> = defaultImport,
): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(pathToFileURL(file).href);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (/\.m?ts$/.test(file) && code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw configError(
        `${basename(file)}: Node ${process.versions.node} cannot load TypeScript.`,
        'Rename it to ipn-gauntlet.config.mjs (defineConfig works the same there), compile it to .js and pass that with --config, or use Node >= 22.18, which loads .ts itself.',
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    throw configError(`${basename(file)} failed to load: ${message}`, 'Fix the error above in the config file.');
  }
  if (!('default' in module)) {
    throw configError(`${basename(file)} has no default export; expected \`export default defineConfig({ … })\`.`);
  }
  return module.default;
}
