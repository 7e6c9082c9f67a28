import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server for the whole run: DATABASE_URL, or an embedded one started here. */
    postgresUrl: string;
  }
}

/**
 * Vitest global setup: hands the tests a PostgreSQL URL. With DATABASE_URL set it is used as it is (tests create and
 * drop their own schemas in it); otherwise one embedded-postgres server is started for the whole run and removed at
 * teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') {
    project.provide('postgresUrl', given);
    return async () => undefined;
  }
  const server = await startEmbeddedPostgres({
    password: 'ipn-gauntlet-test',
    label: 'test',
    flags: ['-c', 'max_connections=300'],
  });
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
