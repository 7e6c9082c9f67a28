/**
 * The packed package installed into an empty project, as a user would, without the network: `npm pack`, then an
 * `npm ci --offline` from a lockfile cut out of this repository's own. npm's cache holds the tarballs `npm ci` fetched
 * for the repository, but not the registry's package documents a plain `npm install <tarball>` resolves versions
 * from; a lockfile that names every version needs none.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly [key: string]: unknown;
}
type LockPackages = Record<string, LockEntry>;

export interface PackedTarball {
  readonly file: string;
  readonly name: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly string[];
}

/** `npm pack` of this repository into `dir` (its prepack builds and strips the manifest, its postpack restores it). */
export async function packInto(dir: string): Promise<PackedTarball> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (packed === undefined) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return {
    file: join(dir, packed.filename),
    name: packed.filename,
    size: packed.size,
    unpackedSize: packed.unpackedSize,
    files: packed.files.map((f) => f.path),
  };
}

/** Where Node would find `name` from the package at `from` in a hoisted tree: its own node_modules, then upwards. */
function resolveIn(packages: LockPackages, from: string, name: string): string | null {
  for (let base = from; ; ) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return null;
    const up = base.lastIndexOf('/node_modules/');
    base = up === -1 ? '' : base.slice(0, up);
  }
}

/** The entries of the repository's lockfile that `roots` (installed at the top level) need, with their own paths. */
function closure(packages: LockPackages, roots: readonly string[]): LockPackages {
  const kept: Record<string, LockEntry> = {};
  const queue = roots.map((name) => `node_modules/${name}`);
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    const entry = packages[path];
    if (entry === undefined || kept[path] !== undefined) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...flagsFree } = entry;
    kept[path] = flagsFree;
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(wanted)) {
      const found = resolveIn(packages, path, name);
      if (found !== null) queue.push(found);
    }
  }
  return kept;
}

/**
 * An empty project in `dir` with the tarball and `peers` (optional peer dependencies, at the versions this repository
 * tests with) installed by `npm ci --offline --ignore-scripts`. Scripts are skipped: the one install script that
 * matters is better-sqlite3's native build, and compiling it again would take minutes; the repository's own build of
 * the same version for the same Node is copied in instead (build/Release/better_sqlite3.node, which `bindings` finds).
 */
export async function installPacked(tarball: PackedTarball, dir: string, peers: readonly string[]): Promise<void> {
  const repoLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: LockPackages };
  const manifest = JSON.parse((await run('tar', ['-xzOf', tarball.file, 'package/package.json'])).stdout) as LockEntry;
  const versionOf = (name: string) => {
    const version = repoLock.packages[`node_modules/${name}`]?.version;
    if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
    return version;
  };
  copyFileSync(tarball.file, join(dir, tarball.name));
  const spec = `file:${tarball.name}`;
  const rootDependencies = { 'ipn-gauntlet': spec, ...Object.fromEntries(peers.map((p) => [p, versionOf(p)])) };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball.file)).digest('base64')}`;
  const { name: _n, exports: _e, description: _d, type: _t, files: _f, ...packageFields } = manifest;
  const lock = {
    name: 'packed-project',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'packed-project', dependencies: rootDependencies },
      'node_modules/ipn-gauntlet': { ...packageFields, resolved: spec, integrity },
      ...closure(repoLock.packages, [...Object.keys(manifest.dependencies ?? {}), ...peers]),
    },
  };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'packed-project', private: true, type: 'module', dependencies: rootDependencies }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (peers.includes('better-sqlite3')) {
    const release = 'node_modules/better-sqlite3/build/Release';
    mkdirSync(join(dir, release), { recursive: true });
    copyFileSync(join(repoRoot, release, 'better_sqlite3.node'), join(dir, release, 'better_sqlite3.node'));
  }
}
