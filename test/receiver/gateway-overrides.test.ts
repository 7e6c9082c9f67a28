import type { FastifyInstance } from 'fastify';
import { expect, onTestFinished, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { isIpnError } from '../../contracts/errors.js';
import { type PaymentStep, type Provider, signedRequest } from '../../contracts/provider.js';
import { mollie } from '../../contracts/providers/mollie.js';
import { paypalIpn } from '../../contracts/providers/paypal-ipn.js';
import { paypalRest } from '../../contracts/providers/paypal-rest.js';
import { buildReceiver } from '../../receiver/app.js';
import { gatewayEnvVars, gatewaysFromEnv } from '../../receiver/gateway-urls.js';
import { buildGateway } from '../../simulator/gateway/app.js';
import { listenOnLoopback } from '../support/listen.js';
import { testProbe } from '../support/probe-token.js';
import { getOrder, NOW_MS, NOW_SECONDS, putOrder, temporaryDbFile } from './receiver-fixture.js';

const KEY = 'gateway-overrides-key';
const MERCHANT = 'seller@example.com';
const WEBHOOK_ID = '8PT597110X687430LKGECATA';
const API_KEY = mollie.secret.generate(new Uint8Array(32).map((_, i) => i * 7));

/** The fake gateway serving all three, and a closed loopback port standing for the wrong gateway (live IPN's host). */
async function gateways() {
  const gateway = buildGateway({ key: KEY, providers: [paypalIpn, paypalRest, mollie], apiKeys: [API_KEY] });
  const url = await listenOnLoopback(gateway);
  onTestFinished(() => gateway.close());
  const closed = buildGateway({ key: KEY, providers: [] });
  const wrong = await listenOnLoopback(closed);
  await closed.close();
  return { url, wrong };
}

async function receiver(options: Pick<Parameters<typeof buildReceiver>[0], 'gatewayUrl' | 'gateways'>) {
  const app = await buildReceiver({
    secrets: { 'paypal-ipn': MERCHANT, 'paypal-rest': WEBHOOK_ID, mollie: API_KEY },
    dbFile: await temporaryDbFile(),
    clock: manualClock(NOW_MS),
    ...options,
    ...testProbe,
  });
  onTestFinished(() => app.close());
  return app;
}

function step(orderId: string, extra: Partial<PaymentStep> = {}): PaymentStep {
  return {
    kind: 'succeeded',
    eventKey: `${orderId}-succeeded`,
    orderId,
    paymentKey: `pay-${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: NOW_SECONDS - 60,
    ...extra,
  };
}

/** A genuine delivery of each provider, as its route expects it. */
function deliver(app: FastifyInstance, provider: 'paypal-ipn' | 'paypal-rest' | 'mollie', orderId: string) {
  if (provider === 'mollie') {
    return app.inject({
      method: 'POST',
      url: '/webhooks/mollie',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ id: mollie.buildEvent(step(orderId)).event.id }).toString(),
    });
  }
  const contract: Provider = provider === 'paypal-ipn' ? paypalIpn : paypalRest;
  const { event, eventId } = contract.buildEvent(step(orderId, { payee: MERCHANT }));
  const secret = provider === 'paypal-ipn' ? MERCHANT : WEBHOOK_ID;
  const body = contract.encode(event);
  const signed = signedRequest(contract, { body, eventId, secrets: [secret], timestamp: NOW_SECONDS, gatewayKey: KEY });
  return app.inject({
    method: 'POST',
    url: `/webhooks/${contract.route}`,
    headers: signed.headers,
    payload: Buffer.from(signed.body),
  });
}

test('a per-provider gateway overrides the shared one for that provider only', async () => {
  const { url, wrong } = await gateways();
  const app = await receiver({ gatewayUrl: wrong, gateways: { 'paypal-rest': url } });
  await putOrder(app, 'ord_go_rest');
  expect((await deliver(app, 'paypal-rest', 'ord_go_rest')).statusCode).toBe(200);
  // PayPal IPN and Mollie still ask the shared gateway, which is down.
  const ipn = await deliver(app, 'paypal-ipn', 'ord_go_ipn');
  expect([ipn.statusCode, ipn.json().error]).toEqual([503, 'gateway_unreachable']);
  const fetched = await deliver(app, 'mollie', 'ord_go_mollie');
  expect([fetched.statusCode, fetched.json().error]).toEqual([503, 'gateway_unreachable']);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_go_rest')).body).toMatchObject({ status: 'paid' });
});

test('with a gateway per provider and no shared one, every provider asks its own and is applied', async () => {
  const { url } = await gateways();
  const app = await receiver({ gateways: { 'paypal-ipn': url, 'paypal-rest': url, mollie: url } });
  for (const provider of ['paypal-ipn', 'paypal-rest', 'mollie'] as const) {
    await putOrder(app, `ord_go_${provider}`);
    expect((await deliver(app, provider, `ord_go_${provider}`)).statusCode).toBe(200);
  }
  await app.inbox.drain();
  for (const provider of ['paypal-ipn', 'paypal-rest', 'mollie'] as const) {
    expect((await getOrder(app, `ord_go_${provider}`)).body).toMatchObject({ status: 'paid' });
  }
});

test('a postback provider without its own gateway or a shared one still refuses to start', async () => {
  const { url } = await gateways();
  const error = await receiver({ gateways: { 'paypal-ipn': url } }).catch((e: unknown) => e);
  expect(isIpnError(error) && error.code).toBe('IPN_ERR_GATEWAY_MISSING');
  expect(String(error)).toContain('Mollie');
  expect(String(error)).not.toContain('PayPal IPN');
});

test('a gateway for a provider that asks none is refused at start-up', async () => {
  const { url } = await gateways();
  const error = await receiver({ gatewayUrl: url, gateways: { shopify: url } as never }).catch((e: unknown) => e);
  expect(isIpnError(error) && error.code).toBe('IPN_ERR_RECEIVER_OPTIONS');
  expect(String(error)).toContain('gateways');
});

test('ipn-gauntlet receiver reads one environment variable per provider, leaving unset and empty ones out', () => {
  const env = {
    [gatewayEnvVars['paypal-rest']]: 'http://127.0.0.1:8787',
    [gatewayEnvVars.mollie]: '',
    IPN_GAUNTLET_GATEWAY_URL: 'https://ipnpb.paypal.com',
  };
  expect(gatewaysFromEnv(env)).toEqual({ 'paypal-rest': 'http://127.0.0.1:8787' });
});
