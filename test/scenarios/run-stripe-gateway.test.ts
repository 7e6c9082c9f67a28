import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';
import { freePort } from '../support/free-port.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(9));

test('run --provider stripe --gateway-port serves the run’s events to a receiver that re-fetches each one it accepts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-stripe-gateway-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const gateway = `http://127.0.0.1:${port}`;
  const app = await buildReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'r.db'), ...testProbe });
  // The reference receiver plus what a re-fetching receiver does after accepting: ask the gateway for the event.
  const refetched: {
    delivered: { id: string; type: string };
    status: number;
    fetched: { id?: string; type?: string };
  }[] = [];
  app.addHook('onResponse', async (req, reply) => {
    if (!req.url.startsWith('/webhooks/stripe') || reply.statusCode >= 300 || !Buffer.isBuffer(req.body)) return;
    const delivered = JSON.parse(req.body.toString('utf8')) as { id: string; type: string };
    const answer = await request(`${gateway}/v1/events/${delivered.id}`, {
      headers: { authorization: 'Bearer sk_test_refetching' },
    });
    refetched.push({ delivered, status: answer.statusCode, fetched: (await answer.body.json()) as object });
  });
  onTestFinished(() => app.close());
  const base = await listenOnLoopback(app);
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret }, 5);
  const code = await main(
    [
      'run',
      '--target',
      `${base}/webhooks/stripe`,
      '--probe',
      `${base}/ipn-probe`,
      '--provider',
      'stripe',
      '--only',
      'idem.sequential,order.final-state',
      '--gateway-port',
      String(port),
    ],
    io,
  );
  expect(captured.out).toContain(`GET ${gateway}/v1/events/:id`);
  expect(code).toBe(0);
  expect(refetched.length).toBeGreaterThan(5);
  for (const { delivered, status, fetched } of refetched) {
    expect(status).toBe(200);
    expect({ id: fetched.id, type: fetched.type }).toEqual({ id: delivered.id, type: delivered.type });
  }
}, 60_000);

/** A port nothing listens on right now (bound and released). */
