import { getHmac } from '@shopify/shopify-api/test-helpers';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { getOrder, NOW_MS, NOW_SECONDS, putOrder, receiverFixture, secrets, step } from './receiver-fixture.js';

/** Events signed by the official libraries, not by our contracts, are accepted and applied by the reference receiver. */

test("a Stripe event signed by stripe-node's generateTestHeaderString is accepted and applied", async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'ord_lib_stripe');
  const { event } = providers.stripe.buildEvent(step('ord_lib_stripe', 'succeeded'));
  const payload = JSON.stringify(event, null, 2);
  const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
    payload,
    secret: secrets.stripe,
    timestamp: NOW_SECONDS,
  });
  const response = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
    payload,
  });
  expect(response.statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_lib_stripe')).body).toMatchObject({ status: 'paid', fulfillments: 1 });

  const wrong = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
    payload,
    secret: 'whsec_somebody_else',
    timestamp: NOW_SECONDS,
  });
  const forged = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': wrong },
    payload,
  });
  expect(forged.statusCode).toBe(400);
});

test("a Standard Webhooks event signed by the standardwebhooks library's Webhook.sign is accepted and applied", async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'ord_lib_standard');
  const { event } = providers['standard-webhooks'].buildEvent(step('ord_lib_standard', 'succeeded'));
  const payload = JSON.stringify(event);
  const id = 'msg_signed_by_the_library';
  const signature = new Webhook(secrets['standard-webhooks']).sign(id, new Date(NOW_MS), payload);
  const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(NOW_SECONDS) };
  const response = await app.inject({
    method: 'POST',
    url: '/webhooks/standard',
    headers: { ...headers, 'webhook-signature': signature },
    payload,
  });
  expect(response.statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_lib_standard')).body).toMatchObject({ status: 'paid', fulfillments: 1 });

  const other = new Webhook(providers['standard-webhooks'].secret.generate(new Uint8Array(32).fill(8)));
  const forged = await app.inject({
    method: 'POST',
    url: '/webhooks/standard',
    headers: { ...headers, 'webhook-signature': other.sign(id, new Date(NOW_MS), payload) },
    payload,
  });
  expect(forged.statusCode).toBe(400);
});

test("a Shopify order signed by @shopify/shopify-api's getHmac is accepted and applied", async () => {
  const { app } = await receiverFixture();
  await putOrder(app, 'ord_lib_shopify');
  const { event, eventId } = providers.shopify.buildEvent(step('ord_lib_shopify', 'succeeded'));
  const payload = Buffer.from(providers.shopify.encode(event));
  const headers = {
    ...providers.shopify.baseHeaders,
    'x-shopify-topic': 'orders/paid',
    'x-shopify-event-id': eventId,
    'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  };
  const signedBy = (key: string) => ({ ...headers, 'x-shopify-hmac-sha256': getHmac(payload.toString('utf8'), key) });
  const response = await app.inject({
    method: 'POST',
    url: '/webhooks/shopify',
    headers: signedBy(secrets.shopify),
    payload,
  });
  expect(response.statusCode).toBe(200);
  await app.inbox.drain();
  expect((await getOrder(app, 'ord_lib_shopify')).body).toMatchObject({ status: 'paid', fulfillments: 1 });

  const wrong = await app.inject({
    method: 'POST',
    url: '/webhooks/shopify',
    headers: signedBy('shpss_other'),
    payload,
  });
  expect(wrong.statusCode).toBe(400);
});
