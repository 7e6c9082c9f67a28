import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { isIpnError } from '../../contracts/errors.js';
import type { PaymentStep } from '../../contracts/provider.js';
import { mollie } from '../../contracts/providers/mollie.js';
import { buildReceiver } from '../../receiver/app.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';
import { getOrder, NOW_MS, NOW_SECONDS, putOrder, readTables, temporaryDbFile } from './receiver-fixture.js';

const API_KEY = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 5));
const OTHER_KEY = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 3));

async function mollieReceiver(options: { gateway?: 'running' | 'down'; apiKey?: string } = {}) {
  // The gateway accepts only this merchant's API key, as Mollie does.
  const gateway = buildGateway({ key: 'unused', providers: [mollie], apiKeys: [API_KEY] });
  const gatewayUrl = await listenOnLoopback(gateway);
  if (options.gateway === 'down') await gateway.close();
  else onTestFinished(() => gateway.close());
  const dbFile = await temporaryDbFile();
  const app = await buildReceiver({
    secrets: { mollie: options.apiKey ?? API_KEY },
    dbFile,
    clock: manualClock(NOW_MS),
    gatewayUrl,
    ...testProbe,
  });
  onTestFinished(() => app.close());
  return { app, dbFile };
}

function paymentId(orderId: string, kind: PaymentStep['kind']): string {
  return mollie.buildEvent({
    kind,
    eventKey: `${orderId}-${kind}`,
    orderId,
    paymentKey: `pay-${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: NOW_SECONDS - 60,
  }).event.id;
}

/** The inbox's stored bodies, parsed: for Mollie, the payments as fetched. */
function storedEvents(dbFile: string): unknown[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    const bodies = db.prepare('SELECT body FROM inbox ORDER BY received_at, rowid').pluck().all() as Buffer[];
    return bodies.map((body) => JSON.parse(body.toString('utf8')));
  } finally {
    db.close();
  }
}

function post(app: FastifyInstance, fields: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/mollie',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mollie HTTP client/1.0' },
    payload: new URLSearchParams(fields).toString(),
  });
}

test('a webhook naming a payment is fetched with the API key, stored as the fetched payment and applied once', async () => {
  const { app, dbFile } = await mollieReceiver();
  await putOrder(app, 'ord_ml_ok');
  const pending = paymentId('ord_ml_ok', 'pending');
  const paid = paymentId('ord_ml_ok', 'succeeded');
  for (const id of [pending, paid, paid]) expect((await post(app, { id })).statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_ml_ok')).body).toMatchObject({
    status: 'paid',
    amountPaid: '50.00',
    fulfillments: 1,
  });
  expect(storedEvents(dbFile)).toEqual([
    expect.objectContaining({ resource: 'payment', id: pending, status: 'pending' }),
    expect.objectContaining({ resource: 'payment', id: paid, status: 'paid' }),
  ]);
});

test('posted fields that lie are never read: an unknown id with status=paid is answered 200 and changes nothing', async () => {
  const { app, dbFile } = await mollieReceiver();
  await putOrder(app, 'ord_ml_lie');
  const lie = {
    id: 'tr_WDqYK6vllg',
    status: 'paid',
    'amount[value]': '50.00',
    'amount[currency]': 'USD',
    'metadata[order_id]': 'ord_ml_lie',
  };
  expect((await post(app, lie)).statusCode).toBe(200);
  // A genuine id of a failed payment, posted as paid: the fetched status (failed) is what counts.
  const failed = paymentId('ord_ml_lie', 'failed');
  expect((await post(app, { ...lie, id: failed })).statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_ml_lie')).body).toMatchObject({ status: 'failed', fulfillments: 0 });
  expect(readTables(dbFile).inbox).toHaveLength(1);
});

test('a body naming no payment id is refused with a 400 before any fetch', async () => {
  const { app, dbFile } = await mollieReceiver();
  expect((await post(app, { status: 'paid' })).statusCode).toBe(400);
  expect((await post(app, { id: 'ord_1' })).statusCode).toBe(400);
  expect(readTables(dbFile).inbox).toEqual([]);
});

test('while the gateway cannot be reached, or refuses the API key, the answer is 503 and nothing is stored', async () => {
  const down = await mollieReceiver({ gateway: 'down' });
  const id = paymentId('ord_ml_down', 'succeeded');
  const unreachable = await post(down.app, { id });
  expect(unreachable.statusCode).toBe(503);
  expect(unreachable.json()).toMatchObject({ error: 'gateway_unreachable' });
  expect(readTables(down.dbFile).inbox).toEqual([]);

  const wrongKey = await mollieReceiver({ apiKey: OTHER_KEY });
  expect((await post(wrongKey.app, { id })).statusCode).toBe(503);
  expect(readTables(wrongKey.dbFile).inbox).toEqual([]);
});

test('a Mollie receiver refuses to start without the gateway URL to fetch from', async () => {
  const dbFile = await temporaryDbFile();
  const error = await buildReceiver({ secrets: { mollie: API_KEY }, dbFile }).catch((e: unknown) => e);
  expect(isIpnError(error) && error.code).toBe('IPN_ERR_GATEWAY_MISSING');
  expect(String(error)).toContain('Mollie');
});
