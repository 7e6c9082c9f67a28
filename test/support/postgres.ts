import pg from 'pg';
import { inject, onTestFinished } from 'vitest';

let schemas = 0;

/** The run's PostgreSQL server (see postgres-global-setup.ts). */
export function postgresUrl(): string {
  return inject('postgresUrl');
}

/**
 * A schema name of its own for the calling test, dropped with everything in it when the test ends. Call it before
 * opening storages or receivers on it, so that they are closed before the drop.
 */
export async function testSchema(): Promise<string> {
  schemas += 1;
  const schema = `ipn_t${process.pid}_${schemas}`;
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  onTestFinished(async () => {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  return schema;
}

/** Runs one statement on a short-lived connection of its own. */
export async function admin(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}
