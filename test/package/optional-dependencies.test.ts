/**
 * The optional peer dependencies (package.json peerDependenciesMeta): the database drivers, msw and vitest are reached
 * only from the entries that use them, and a missing driver is a clear error. Reads dist/ (`npm run build`): compiled
 * modules keep only the imports that load something at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { expect, test } from 'vitest';
import { isIpnError } from '../../contracts/errors.js';
import { optionalDependency } from '../../contracts/optional-dependency.js';
import { importSpecifiers } from '../architecture/import-graph.js';
import { repoRoot } from './packed-project.js';

const optionalPeers = ['better-sqlite3', 'pg', 'mysql2', 'msw', 'vitest'];

/** The packages a module reaches through the imports it runs at load time, following the package's own modules. */
function packagesReached(entry: string, read: (file: string) => string | null): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const text = seen.has(file) ? null : read(file);
    seen.add(file);
    if (text === null) continue;
    for (const specifier of importSpecifiers(text)) {
      if (specifier.startsWith('.')) queue.push(posix.normalize(posix.join(posix.dirname(file), specifier)));
      else if (!specifier.startsWith('node:')) packages.add(specifier.match(/^(@[^/]+\/)?[^/]+/)?.[0] ?? specifier);
    }
  }
  return packages;
}

const readDist = (file: string) =>
  existsSync(`${repoRoot}${file}`) ? readFileSync(`${repoRoot}${file}`, 'utf8') : null;
const exportsMap = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')).exports as Record<
  string,
  string | { import: string }
>;
const entryFile = (name: string) => {
  const target = exportsMap[name];
  if (target === undefined || typeof target === 'string') throw new Error(`no export ${name}`);
  return target.import.replace(/^\.\//, '');
};
const optionalReached = (file: string) => [...packagesReached(file, readDist)].filter((p) => optionalPeers.includes(p));

test('a driver imported at the top of a module is found by the graph walk', () => {
  const tree: Record<string, string> = {
    'dist/a.js': `import { b } from './lib/b.js';\nexport const a = b;`,
    'dist/lib/b.js': `import Database from 'better-sqlite3';\nimport { x } from 'node:fs';\nexport const b = 1;`,
  };
  expect([...packagesReached('dist/a.js', (file) => tree[file] ?? null)]).toEqual(['better-sqlite3']);
});

test('ipn-gauntlet/sign and ipn-gauntlet/contracts load no optional peer dependency', () => {
  expect(optionalReached(entryFile('./sign'))).toEqual([]);
  expect(optionalReached(entryFile('./contracts'))).toEqual([]);
});

test('ipn-gauntlet/msw loads msw and no database driver', () => {
  expect(optionalReached(entryFile('./msw'))).toEqual(['msw']);
});

test('the command, the main entry and the receiver load no optional peer dependency until one is used', () => {
  expect(optionalReached('dist/scenarios/cli/process-main.js')).toEqual([]);
  expect(optionalReached(entryFile('.'))).toEqual([]);
  expect(optionalReached(entryFile('./receiver'))).toEqual([]);
});

test('a driver that is not installed is IPN_ERR_DEPENDENCY_MISSING naming what needs it and the npm install', () => {
  const missing = (specifier: string) => {
    throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
  };
  let caught: unknown;
  try {
    optionalDependency('mysql2/promise', 'A MySQL probe', missing);
  } catch (error) {
    caught = error;
  }
  expect(isIpnError(caught) && caught.describe()).toBe(
    'IPN_ERR_DEPENDENCY_MISSING: A MySQL probe needs the mysql2 package, which is not installed. ' +
      'Run `npm install mysql2` in your project (an optional peer dependency of ipn-gauntlet).',
  );
});

test('a driver that is installed but fails to load is rethrown as it is', () => {
  const innerMissing = Object.assign(new Error(`Cannot find module 'pg-pool'`), { code: 'MODULE_NOT_FOUND' });
  const broken = new Error('better_sqlite3.node was compiled against a different Node.js version');
  expect(() =>
    optionalDependency('pg', 'A PostgreSQL probe', () => {
      throw innerMissing;
    }),
  ).toThrow(innerMissing);
  expect(() =>
    optionalDependency('better-sqlite3', 'The reference receiver on SQLite', () => {
      throw broken;
    }),
  ).toThrow(broken);
});

test('an installed driver is returned as its module', () => {
  const loaded = optionalDependency<{ Pool: unknown }>('pg', 'A PostgreSQL probe');
  expect(typeof loaded.Pool).toBe('function');
});
