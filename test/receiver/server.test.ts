import { expect, test } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import { signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { startReceiver } from '../../receiver/server.js';
import { probeHeaders, testProbe } from '../support/probe-token.js';
import { NOW_MS, PUBLIC_URL, secrets, step, temporaryDbFile } from './receiver-fixture.js';

test('startReceiver serves a genuine delivery over a real socket on a free port', async () => {
  const receiver = await startReceiver({
    secrets,
    dbFile: await temporaryDbFile(),
    clock: manualClock(NOW_MS),
    publicUrl: PUBLIC_URL,
    ...testProbe,
  });
  try {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const provider = providers.stripe;
    await fetch(`${receiver.url}/ipn-probe/orders/order-net`, {
      method: 'PUT',
      headers: { ...probeHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '50.00', currency: 'USD' }),
    });
    const { event, eventId } = provider.buildEvent(step('order-net', 'succeeded'));
    const request = signedRequest(provider, {
      body: provider.encode(event),
      eventId,
      secrets: [secrets.stripe],
      timestamp: NOW_MS / 1000,
    });

    const response = await fetch(`${receiver.url}/webhooks/stripe`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    expect(response.status).toBe(200);
    await receiver.app.inbox.drain();
    const order = await fetch(`${receiver.url}/ipn-probe/orders/order-net`, { headers: probeHeaders }).then((r) =>
      r.json(),
    );
    expect(order).toMatchObject({ status: 'paid', fulfillments: 1 });
  } finally {
    await receiver.close();
  }
});
