import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { importSpecifiers } from './import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The packages a module reaches through its static and dynamic imports, following the project's own files. */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(readFileSync(`${root}${file}`, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier.startsWith('node:') ? 'node' : (specifier.match(/^(@[^/]+\/)?[^/]+/)?.[0] ?? specifier));
        continue;
      }
      const next = posix.normalize(posix.join(posix.dirname(file), specifier.replace(/\.js$/, '.ts')));
      if (existsSync(`${root}${next}`)) queue.push(next);
    }
  }
  return packages;
}

test('vitest (a peer of the user project) is reached from ipn-gauntlet/vitest only, never from the main entry', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
    exports: Record<string, string | { import: string }>;
  };
  const sourceOf = (name: string) => {
    const target = pkg.exports[name];
    if (target === undefined || typeof target === 'string') throw new Error(`no export ${name}`);
    return target.import.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
  };
  expect(packagesReachedFrom(sourceOf('./vitest'))).toContain('vitest');
  for (const name of Object.keys(pkg.exports).filter((n) => n !== './vitest' && n !== './package.json')) {
    expect([name, packagesReachedFrom(sourceOf(name)).has('vitest')]).toEqual([name, false]);
  }
});
