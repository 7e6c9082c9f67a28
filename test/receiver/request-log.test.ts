import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect, onTestFinished, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';

test('the receiver logs one JSON line per request at info, with its status and time, and never the secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-request-log-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(4));
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildReceiver({
    secrets: { stripe: secret },
    dbFile: join(dir, 'r.db'),
    logger: { level: 'info', stream },
  });
  onTestFinished(() => app.close());
  const answer = await app.inject({
    method: 'POST',
    url: '/webhooks/stripe',
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
    payload: '{"id":"evt_1"}',
  });
  expect(answer.statusCode).toBe(400);
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const perRequest = records.filter((r) => r.msg === 'request completed' || r.msg === 'incoming request');
  expect(perRequest).toHaveLength(1);
  expect(perRequest[0]).toMatchObject({ method: 'POST', url: '/webhooks/stripe', statusCode: 400, level: 30 });
  expect(typeof perRequest[0]?.ms).toBe('number');
  expect(lines.join('\n')).not.toContain(secret);
});
