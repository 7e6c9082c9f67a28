import { startReceiver } from '../../receiver/server.js';
import { announce } from './ready.js';

// The reference receiver: SQLite file from --db, or PostgreSQL from DATABASE_URL; the secret from STRIPE_WEBHOOK_SECRET.
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
const databaseUrl = process.env.DATABASE_URL;
const dbFile = process.argv[2] ?? 'bench-receiver.db';
const receiver = await startReceiver({
  secrets: { stripe: secret },
  ...(databaseUrl === undefined || databaseUrl === '' ? { dbFile } : { databaseUrl, schema: 'ipn_bench' }),
});
announce(receiver.url, () => receiver.close());
