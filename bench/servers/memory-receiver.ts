import { buildLossyReceiver } from '../../test/fixtures/lossy-receiver.js';
import { announce } from './ready.js';

// A correct in-memory receiver (the test fixture with nothing dropped), so a long load run measures the generator.
const { app } = buildLossyReceiver({
  provider: 'stripe',
  secret: process.env.STRIPE_WEBHOOK_SECRET ?? '',
  dropEvery: 0,
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
announce(url, () => app.close());
