// How this receiver is run through the CLI once it listens on port 3000: `npx ipn-gauntlet run` in this folder
// (flags still override, e.g. `--only idem.concurrent`). The secret stays in the environment.
import { defineConfig } from 'ipn-gauntlet';

export default defineConfig({
  target: 'http://127.0.0.1:3000/webhooks/stripe',
  probe: 'http://127.0.0.1:3000/ipn-probe',
  providers: { stripe: { secretEnv: 'STRIPE_WEBHOOK_SECRET' } },
  seed: 7,
  reports: { junit: 'ipn-gauntlet.junit.xml', html: 'ipn-gauntlet.html' },
});
