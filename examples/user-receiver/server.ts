/**
 * `npm start`: the receiver on 127.0.0.1:3000 (PORT overrides), verifying with the endpoint secret in
 * STRIPE_WEBHOOK_SECRET. Then `npx ipn-gauntlet run` in this folder reads ipn-gauntlet.config.mjs and runs against it.
 */
import { buildUserReceiver } from './receiver.js';

const secret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
if (secret === '') {
  process.stderr.write(
    'Set STRIPE_WEBHOOK_SECRET to the endpoint secret (whsec_…), the one the gauntlet signs with.\n',
  );
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
const app = buildUserReceiver({ secret });
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`Listening on http://127.0.0.1:${port}/webhooks/stripe (probe: /ipn-probe)\n`);
