import { setupServer } from 'msw/node';
import Stripe from 'stripe';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { stripe as stripeProvider } from '../../contracts/providers/stripe.js';
import { signedPayment } from '../../contracts/sign.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { createGatewayLedger, gatewayHandlers } from '../../simulator/msw/index.js';
import { listenOnLoopback } from '../support/listen.js';

const API_KEY = 'sk_test_unitkey123';
const WEBHOOK_SECRET = 'whsec_unit_test_secret';
const ledger = createGatewayLedger();
const server = setupServer(...gatewayHandlers({ seed: 3, providers: ['stripe'], ledger }));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A receiver's handler that trusts nothing in the body: it re-fetches the event by id, as Stripe recommends. */
async function refetchedStatus(body: Buffer, headers: Record<string, string>, api: Stripe): Promise<string> {
  const delivered = api.webhooks.constructEvent(body, headers['stripe-signature'] ?? '', WEBHOOK_SECRET);
  const event = await api.events.retrieve(delivered.id);
  const intent = event.data.object as { id: string };
  return (await api.paymentIntents.retrieve(intent.id)).status;
}

const payment = (eventKey: string, kind: 'pending' | 'succeeded') =>
  signedPayment({
    provider: 'stripe',
    secret: WEBHOOK_SECRET,
    orderId: 'ord_unit_1',
    amount: '12.50',
    currency: 'EUR',
    kind,
    eventKey,
  });

test('the official SDK at api.stripe.com gets the events a test signed, with no network', async () => {
  const api = new Stripe(API_KEY, { maxNetworkRetries: 0 });
  const processing = payment('unit0001', 'pending');
  ledger.record('stripe', processing.body);
  expect(await refetchedStatus(processing.body, processing.headers, api)).toBe('processing');
  const fetched = await api.events.retrieve(processing.eventId);
  expect(fetched.type).toBe('payment_intent.processing');
  expect(fetched.id).toBe(processing.eventId);
});

test('an event the test never recorded is resource_missing, with fetch as with the SDK', async () => {
  const unrecorded = payment('unit0002', 'succeeded');
  const response = await fetch(`https://api.stripe.com/v1/events/${unrecorded.eventId}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('resource_missing');
  ledger.record('stripe', unrecorded.body);
  const again = await fetch(`https://api.stripe.com/v1/payment_intents/pi_unit0002`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  expect(((await again.json()) as { status: string }).status).toBe('succeeded');
});

test('the msw handlers and the gateway server answer every request alike', async () => {
  const recorded = payment('unit0003', 'succeeded');
  ledger.record('stripe', recorded.body);
  const app = buildGateway({ key: 'unused', providers: [stripeProvider], ledger });
  const url = await listenOnLoopback(app);
  closers.push(() => app.close());
  const cases: [path: string, authorization: string | undefined][] = [
    [`/v1/events/${recorded.eventId}`, `Bearer ${API_KEY}`],
    ['/v1/payment_intents/pi_unit0003', `Bearer ${API_KEY}`],
    ['/v1/events/evt_nobody', `Bearer ${API_KEY}`],
    [`/v1/events/${recorded.eventId}`, undefined],
    [`/v1/events/${recorded.eventId}`, 'Bearer sk_live_abcdefgh'],
  ];
  for (const [path, authorization] of cases) {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const viaMsw = await fetch(`https://api.stripe.com${path}`, { headers });
    const viaServer = await request(`${url}${path}`, { headers });
    expect([viaMsw.status, await viaMsw.text()]).toEqual([viaServer.statusCode, await viaServer.body.text()]);
    expect(viaMsw.headers.get('request-id')).toBe(viaServer.headers['request-id']);
  }
});

test('the event list is served in-process too: what a test recorded, newest first, through the SDK', async () => {
  const api = new Stripe(API_KEY, { maxNetworkRetries: 0 });
  const recorded = [payment('unit0101', 'pending'), payment('unit0102', 'succeeded')];
  for (const event of recorded) ledger.record('stripe', event.body);
  const listed = await api.events.list({
    limit: 100,
    types: ['payment_intent.processing', 'payment_intent.succeeded'],
  });
  const ids = listed.data.map((e) => e.id);
  for (const event of recorded) expect(ids).toContain(event.eventId);
  expect(listed.has_more).toBe(false);
});
