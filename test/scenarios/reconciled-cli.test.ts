import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { main } from '../../scenarios/cli/main.js';
import { eventsOf } from '../../simulator/events.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { createGatewayLedger } from '../../simulator/gateway/routes/index.js';
import { createRandom } from '../../simulator/random.js';
import { createWorld } from '../../simulator/world.js';
import { fakeIo } from '../support/fake-io.js';
import { freePort } from '../support/free-port.js';
import { listenOnLoopback } from '../support/listen.js';
import { probeHeaders, testProbe } from '../support/probe-token.js';

const stripe = providers.stripe;
const secret = stripe.secret.generate(new Uint8Array(32).fill(13));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-reconcile-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('receiver reconcile stores what the list holds once, says so, and refuses without an API key', async () => {
  const ledger = createGatewayLedger();
  const world = createWorld({ random: createRandom(5), runId: 'rcli', startSeconds: Math.floor(Date.now() / 1000) });
  const events = [world.order('paid'), world.order('partially-refunded')].flatMap((o) => eventsOf(stripe, o));
  for (const event of events) ledger.record(stripe, event.body);
  const gateway = buildGateway({ key: 'k', providers: [stripe], ledger });
  onTestFinished(() => gateway.close());
  const gatewayUrl = await listenOnLoopback(gateway);
  const db = join(await tempDir(), 'r.db');
  const env = {
    [stripe.secretEnv]: secret,
    IPN_GAUNTLET_API_KEY_STRIPE: 'sk_test_cli',
    IPN_GAUNTLET_GATEWAY_URL_STRIPE: gatewayUrl,
  };

  const first = fakeIo(env);
  expect(await main(['receiver', 'reconcile', '--db', db], first.io)).toBe(0);
  expect(first.captured.out).toContain(`stripe: 1 page(s), ${events.length} listed, ${events.length} recovered`);
  const again = fakeIo(env);
  expect(await main(['receiver', 'reconcile', '--db', db], again.io)).toBe(0);
  expect(again.captured.out).toContain(`0 recovered (new to the inbox), ${events.length} already there`);
  expect(again.captured.out).not.toContain('sk_test_cli');

  const noKey = fakeIo({ [stripe.secretEnv]: secret });
  expect(await main(['receiver', 'reconcile', '--db', db], noKey.io)).toBe(2);
  expect(noKey.captured.err).toMatch(
    /none of IPN_GAUNTLET_API_KEY_STRIPE, IPN_GAUNTLET_API_KEY_PAYPAL_REST and MOLLIE_API_KEY is set/,
  );
});

test('receiver reconcile against a list that does not answer exits 1, keeping nothing', async () => {
  const db = join(await tempDir(), 'r.db');
  const closed = `http://127.0.0.1:${await freePort()}`;
  const { io, captured } = fakeIo({
    [stripe.secretEnv]: secret,
    IPN_GAUNTLET_API_KEY_STRIPE: 'sk_test_cli',
    IPN_GAUNTLET_GATEWAY_URL_STRIPE: closed,
  });
  expect(await main(['receiver', 'reconcile', '--db', db], io)).toBe(1);
  expect(captured.err).toMatch(/IPN_ERR_GATEWAY_LIST: the event list at .* did not answer \(ECONNREFUSED\)/);
  expect(captured.err).toContain('the cursor did not move');
}, 30_000);

test('run --gateway-port plays the outage and judges a reconciling receiver', async () => {
  const port = await freePort();
  const app = await buildReceiver({
    secrets: { stripe: secret },
    dbFile: join(await tempDir(), 'r.db'),
    ...testProbe,
    reconcile: { apiKeys: { stripe: 'sk_test_run' }, gatewayUrl: `http://127.0.0.1:${port}` },
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 8);
  const args = ['run', '--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const code = await main([...args, '--only', 'consistency.reconciled', '--gateway-port', String(port)], io);
  expect(captured.out).toContain(`GET http://127.0.0.1:${port}/v1/events`);
  expect(captured.out).toMatch(/consistency\.reconciled/);
  expect(code).toBe(0);

  // Without the gateway the guarantee cannot be played, and the message says which flag starts it.
  const without = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 8);
  expect(await main([...args, '--only', 'consistency.reconciled'], without.io)).toBe(2);
  expect(without.captured.err).toMatch(/--gateway-port/);
}, 90_000);

test('POST /ipn-probe/reconcile?provider=ID reads only that provider’s list; one not reconciled here is a 404 naming the fix', async () => {
  const mollie = providers.mollie;
  const mollieKey = mollie.secret.generate(new Uint8Array(32).fill(14));
  const ledger = createGatewayLedger();
  const world = createWorld({ random: createRandom(6), runId: 'rprov', startSeconds: Math.floor(Date.now() / 1000) });
  for (const provider of [stripe, mollie]) {
    for (const event of eventsOf(provider, world.order('paid'))) ledger.record(provider, event.body);
  }
  const gateway = buildGateway({ key: 'k', providers: [stripe, mollie], ledger });
  onTestFinished(() => gateway.close());
  const gatewayUrl = await listenOnLoopback(gateway);
  const app = await buildReceiver({
    secrets: { stripe: secret, mollie: mollieKey },
    dbFile: join(await tempDir(), 'r.db'),
    gatewayUrl,
    reconcile: { apiKeys: { stripe: 'sk_test_probe', mollie: mollieKey }, gatewayUrl },
    ...testProbe,
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const ask = async (query: string) => {
    const response = await fetch(`${base}/ipn-probe/reconcile${query}`, {
      method: 'POST',
      headers: probeHeaders,
    });
    return { status: response.status, body: (await response.json()) as { reports?: { provider: string }[] } };
  };
  const mollieOnly = await ask('?provider=mollie');
  expect(mollieOnly.status).toBe(200);
  expect(mollieOnly.body.reports?.map((r) => r.provider)).toEqual(['mollie']);
  const both = await ask('');
  expect(both.body.reports?.map((r) => r.provider).sort()).toEqual(['mollie', 'stripe']);
  const other = await ask('?provider=paypal-rest');
  expect(other.status).toBe(404);
  expect(other.body).toMatchObject({
    error: 'reconcile_not_offered',
    message: expect.stringMatching(/reconcile\.apiKeys\.paypal-rest/),
  });
});
