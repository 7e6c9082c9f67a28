import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { LIVENESS_LOCK_CLASS } from './postgres-schema.js';

const KEY_TRIES = 20;

/**
 * This process's name among live receivers (docs/decisions/0007-postgresql-and-claims.md): a session advisory lock
 * `(LIVENESS_LOCK_CLASS, key)` held on a connection of its own. Claims are stamped `claimed_by = key`; other receivers
 * take over the claims of a key no live session holds.
 */
export interface Liveness {
  /**
   * The key to stamp new claims with. After the connection was lost (the server restarted, the network broke) the
   * next call connects again and takes the same key back, or a fresh one if another session holds it meanwhile; null
   * while that fails, so claims made then are kept by their lease alone (never stamped with a key nobody holds).
   */
  key(): Promise<number | null>;
  end(): Promise<void>;
}

/** Connects and takes a free key; throws when the server cannot be reached (the receiver then refuses to start). */
export async function holdLiveness(newClient: () => pg.Client): Promise<Liveness> {
  let held: pg.Client | null = null;
  let ended = false;
  let retaking: Promise<number | null> | null = null;

  async function take(preferred: number | null): Promise<number> {
    const client = newClient();
    // A lost connection emits 'error' (and 'end'): never an unhandled event, only the key to take again.
    const lose = () => {
      if (held === client) held = null;
    };
    client.on('error', lose);
    client.on('end', lose);
    try {
      await client.connect();
      for (let tries = 0; tries < KEY_TRIES; tries += 1) {
        const candidate = tries === 0 && preferred !== null ? preferred : randomInt(1, 2 ** 31 - 1);
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [
          LIVENESS_LOCK_CLASS,
          candidate,
        ]);
        if (rows[0]?.held === true) {
          held = client;
          return candidate;
        }
      }
      throw new Error(`no free liveness lock key after ${KEY_TRIES} tries`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  let key = await take(null);
  return {
    key() {
      if (held !== null) return Promise.resolve(key);
      if (ended) return Promise.resolve(null);
      retaking ??= take(key)
        .then(
          (taken) => {
            key = taken;
            return taken;
          },
          () => null,
        )
        .finally(() => {
          retaking = null;
        });
      return retaking;
    },
    async end() {
      ended = true;
      await retaking;
      const client = held;
      held = null;
      await client?.end().catch(() => undefined);
    },
  };
}
