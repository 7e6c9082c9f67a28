import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { isIpnError } from '../../contracts/errors.js';
import { buildReceiver, secretsFromEnv } from '../../receiver/app.js';
import { PUBLIC_URL, secrets, temporaryDbFile } from './receiver-fixture.js';

async function startupError(options: Parameters<typeof buildReceiver>[0]) {
  try {
    const app = await buildReceiver(options);
    await app.close();
  } catch (error) {
    if (isIpnError(error)) return error;
    throw error;
  }
  throw new Error('expected buildReceiver to refuse these options');
}

test('the receiver refuses to start without any secret, and opens no database', async () => {
  const dbFile = await temporaryDbFile();
  const error = await startupError({ secrets: {}, dbFile });
  expect(error.code).toBe('IPN_ERR_SECRET_MISSING');
  expect(error.message).toContain('STRIPE_WEBHOOK_SECRET');
  expect(existsSync(dbFile)).toBe(false);
});

test('the receiver refuses a secret with surrounding whitespace and says so', async () => {
  const dbFile = await temporaryDbFile();
  const error = await startupError({ secrets: { stripe: ` ${secrets.stripe}\n` }, dbFile });
  expect(error.code).toBe('IPN_ERR_SECRET_FORMAT');
  expect(error.message).toContain('whitespace');
});

test('the receiver refuses a Standard Webhooks secret whose key is too short', async () => {
  const error = await startupError({
    secrets: { 'standard-webhooks': 'whsec_c2hvcnQ=' },
    dbFile: await temporaryDbFile(),
  });
  expect(error.code).toBe('IPN_ERR_SECRET_FORMAT');
  expect(error.message).toContain('bytes');
});

test('the receiver refuses a secret for a provider it does not know', async () => {
  const options = { secrets: { paypal: 'x', stripe: secrets.stripe }, dbFile: await temporaryDbFile() };
  const error = await startupError(options as Parameters<typeof buildReceiver>[0]);
  expect(error.code).toBe('IPN_ERR_UNKNOWN_PROVIDER');
  expect(error.message).toContain('paypal');
});

test('the receiver refuses to serve Square without the public URL its notification URL is built from', async () => {
  const dbFile = await temporaryDbFile();
  const error = await startupError({ secrets: { square: secrets.square }, dbFile });
  expect(error.code).toBe('IPN_ERR_RECEIVER_OPTIONS');
  expect(error.message).toMatch(/Square signs the notification URL.*publicUrl/);
  expect(error.hint).toContain('IPN_GAUNTLET_PUBLIC_URL');
  const app = await buildReceiver({ secrets: { square: secrets.square }, dbFile, publicUrl: 'https://shop.example/' });
  await app.close();
});

test('the receiver names an option that is out of range', async () => {
  const error = await startupError({ secrets, dbFile: await temporaryDbFile(), maxAttempts: 0 });
  expect(error.code).toBe('IPN_ERR_RECEIVER_OPTIONS');
  expect(error.message).toContain('maxAttempts');
});

test('by default no server timeout is off, and the headers one fits inside the request one', async () => {
  const app = await buildReceiver({ secrets, dbFile: await temporaryDbFile(), publicUrl: PUBLIC_URL });
  try {
    const { headersTimeout, requestTimeout, keepAliveTimeout, timeout } = app.server;
    expect(Math.min(headersTimeout, requestTimeout, keepAliveTimeout, timeout)).toBeGreaterThan(0);
    expect(headersTimeout).toBeLessThanOrEqual(requestTimeout);
  } finally {
    await app.close();
  }
});

test('the receiver refuses a headers timeout longer than the request timeout, and a metrics token too short', async () => {
  const dbFile = await temporaryDbFile();
  const timeouts = await startupError({ secrets, dbFile, headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 });
  expect(timeouts.code).toBe('IPN_ERR_RECEIVER_OPTIONS');
  expect(timeouts.message).toContain('headersTimeoutMs');
  const token = await startupError({ secrets, dbFile, publicUrl: PUBLIC_URL, metrics: { token: 'short' } });
  expect(token.code).toBe('IPN_ERR_RECEIVER_OPTIONS');
  expect(token.message).toContain('IPN_GAUNTLET_METRICS_TOKEN');
});

test('a database path that cannot be opened is a storage error', async () => {
  const dbFile = `${await temporaryDbFile()}.missing-dir/receiver.db`;
  const error = await startupError({ secrets, dbFile, publicUrl: PUBLIC_URL });
  expect(error.code).toBe('IPN_ERR_STORAGE');
  expect(error.message).toContain(dbFile);
});

test('secrets are read from the environment, leaving unset and empty variables out', () => {
  expect(secretsFromEnv({ STRIPE_WEBHOOK_SECRET: 'whsec_a', STANDARD_WEBHOOKS_SECRET: '' })).toEqual({
    stripe: 'whsec_a',
  });
  expect(secretsFromEnv({ STANDARD_WEBHOOKS_SECRET: 'whsec_b', OTHER: 'x' })).toEqual({
    'standard-webhooks': 'whsec_b',
  });
});
