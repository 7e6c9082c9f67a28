import { expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { GATEWAY_CERTIFICATE_PEM } from '../../contracts/providers/paypal-rest-certificates.js';
import { signedPayment } from '../../contracts/sign.js';

const NOW = 1_800_000_000;

test.each(Object.values(providers).filter((p) => p.authentication === 'signature'))(
  'signedPayment builds a $title request that verifies and names the order',
  (provider) => {
    const secret = provider.secret.generate(new Uint8Array(32).fill(4));
    const request = signedPayment({
      provider,
      secret,
      orderId: 'ord_sign_1',
      amount: '49.99',
      currency: 'usd',
      timestamp: NOW,
    });
    expect(
      provider.verify({
        body: request.body,
        headers: request.headers,
        secret,
        nowSeconds: NOW,
        notificationUrl: '',
        // The certificate a certificate scheme (PayPal REST) verifies with, as a receiver fetches it; others ignore it.
        certificate: GATEWAY_CERTIFICATE_PEM,
      }).ok,
    ).toBe(true);
    const fact = provider.toFact(
      provider.eventSchema.parse(JSON.parse(request.body.toString('utf8'))),
      request.eventId,
    );
    expect(fact).toMatchObject({ orderId: 'ord_sign_1', kind: 'succeeded', amountMinor: 4999, currency: 'USD' });
  },
);

test('the same event key gives the same event id; a wrong amount is refused with a message', () => {
  const base = { provider: 'stripe', secret: 'whsec_x', orderId: 'o', amount: '1.00', currency: 'EUR', eventKey: 'k1' };
  expect(signedPayment(base).eventId).toBe(signedPayment(base).eventId);
  expect(() => signedPayment({ ...base, amount: '1.005' })).toThrow(/not a positive decimal such as "49.99" in EUR/);
  expect(() => signedPayment({ ...base, provider: 'nope' })).toThrow(/unknown provider "nope"/);
});
