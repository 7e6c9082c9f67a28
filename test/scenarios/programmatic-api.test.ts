import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { gauntlet } from '../../scenarios/index.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { listenOnLoopback } from '../support/listen.js';

/** `gauntlet.run` as a script calls it: the provider by id, no replay command of its own. */
test('gauntlet.run takes the provider by id and writes a replay command when none is given', async () => {
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(4));
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'applies-every-delivery' });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const report = await gauntlet.run({
    target: `${base}/webhooks/stripe`,
    probe: `${base}/ipn-probe`,
    provider: 'stripe',
    secret,
    seed: 12,
    runId: 'api',
    only: ['idem.sequential'],
    profile: { currencies: ['USD'] },
  });
  const verdict = report.results.find((r) => r.guarantee === 'idem.sequential');
  expect(verdict?.status).toBe('fail');
  expect(verdict?.replay).toBe(
    `npx ipn-gauntlet run --target ${base}/webhooks/stripe --probe ${base}/ipn-probe --provider stripe --currencies USD --secret "$IPN_GAUNTLET_SECRET" --seed 12 --only idem.sequential`,
  );
});
