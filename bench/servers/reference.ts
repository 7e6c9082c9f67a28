import { startReceiver } from '../../receiver/server.js';
import { announce } from './ready.js';

// The reference receiver: SQLite file from --db, or PostgreSQL from DATABASE_URL; the secret from STRIPE_WEBHOOK_SECRET,
// the probe's token from IPN_GAUNTLET_PROBE_TOKEN (bench/run.ts sets it).
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
const databaseUrl = process.env.DATABASE_URL;
const dbFile = process.argv[2] ?? 'bench-receiver.db';
const receiver = await startReceiver({
  secrets: { stripe: secret },
  ...(databaseUrl === undefined || databaseUrl === '' ? { dbFile } : { databaseUrl, schema: 'ipn_bench' }),
  ...(process.env.IPN_GAUNTLET_PROBE_TOKEN ? { probe: { token: process.env.IPN_GAUNTLET_PROBE_TOKEN } } : {}),
});
announce(receiver.url, () => receiver.close());
