import { createRequire } from 'node:module';
import { IpnError } from './errors.js';

/** The optional peer dependencies loaded at first use: the database drivers. */
export type OptionalDependency = 'better-sqlite3' | 'pg' | 'mysql2/promise';

const load = createRequire(import.meta.url);

/**
 * An optional peer dependency, required (all are CommonJS, so synchronously) only where it is used, never imported at
 * the top of a module: `ipn-gauntlet/sign`, `ipn-gauntlet/msw`, `ipn-gauntlet/contracts` and a `run` over an HTTP probe
 * work in a project that installed no database driver. Missing, it is `IPN_ERR_DEPENDENCY_MISSING` saying what needs
 * it and the command that installs it; any other failure to load it (a native build for another Node) is rethrown.
 */
export function optionalDependency<T>(
  specifier: OptionalDependency,
  neededBy: string,
  require: (specifier: string) => unknown = load,
): T {
  try {
    return require(specifier) as T;
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
    const name = specifier.split('/')[0] ?? specifier;
    throw new IpnError('IPN_ERR_DEPENDENCY_MISSING', `${neededBy} needs the ${name} package, which is not installed.`, {
      hint: `Run \`npm install ${name}\` in your project (an optional peer dependency of ipn-gauntlet).`,
      cause: error,
    });
  }
}

function isNotFound(error: unknown, specifier: string): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    error.code === 'MODULE_NOT_FOUND' &&
    error.message.includes(`'${specifier}'`)
  );
}
