import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { manualClock } from '../../contracts/clock.js';
import type { PaymentStep, Provider } from '../../contracts/provider.js';
import { signedRequest } from '../../contracts/provider.js';
import { type ProviderId, providerIds, providers } from '../../contracts/providers/index.js';
import { buildReceiver, type ReceiverOptions } from '../../receiver/app.js';
import { probeHeaders, testProbe } from '../support/probe-token.js';

/** The tests' "now": 2025-06-15T15:06:40Z. */
export const NOW_MS = 1_750_000_000_000;
export const NOW_SECONDS = NOW_MS / 1000;

/** The base URL the gateways reach the test receivers at (Square signs `{PUBLIC_URL}/webhooks/square`). */
export const PUBLIC_URL = 'https://receiver.example.com';

/**
 * One secret per registered provider verified offline (Stripe's filled with 1s, Standard Webhooks' with 2s, and so on).
 * Postback and fetch providers (PayPal IPN, Mollie) need the fake gateway running: test/receiver/paypal-postback.test.ts
 * and test/receiver/mollie-fetch.test.ts cover them.
 */
function asksNoGateway(provider: Provider): boolean {
  // Certificate schemes (PayPal REST) fetch their certificate from the gateway: test/receiver/paypal-rest-route.test.ts.
  return provider.postback === undefined && provider.fetch === undefined && provider.certificateUrlHeader === undefined;
}

export const secrets = Object.fromEntries(
  providerIds
    .map((id, index) => [id, providers[id].secret.generate(new Uint8Array(32).fill(index + 1))] as const)
    .filter(([id]) => asksNoGateway(providers[id])),
) as Record<ProviderId, string>;

export const allProviders = Object.entries(providers)
  .filter(([, provider]) => asksNoGateway(provider))
  .map(([id, provider]) => ({
    id: id as ProviderId,
    title: provider.title,
    provider,
  }));

/** A temporary directory for a test's database, removed when the test ends (after its receivers are closed). */
export async function temporaryDbFile(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ipn-receiver-'));
  onTestFinished(() => rm(directory, { recursive: true, force: true }));
  return join(directory, 'receiver.db');
}

/**
 * A receiver on a fresh SQLite file with every offline-verified secret, the probe (token `probeHeaders`) and a manual
 * clock at NOW_MS; closed when the test ends.
 */
export async function receiverFixture(overrides: Partial<ReceiverOptions> = {}) {
  const dbFile = overrides.dbFile ?? (await temporaryDbFile());
  const clock = manualClock(NOW_MS);
  const build = async () => {
    const app = await buildReceiver({ secrets, dbFile, clock, publicUrl: PUBLIC_URL, ...testProbe, ...overrides });
    onTestFinished(() => app.close());
    return app;
  };
  return { app: await build(), dbFile, clock, rebuild: build };
}

let eventCounter = 0;

/** A payment step for an order, with a fresh event key. */
export function step(orderId: string, kind: PaymentStep['kind'], extra: Partial<PaymentStep> = {}): PaymentStep {
  eventCounter += 1;
  return {
    kind,
    eventKey: `k${eventCounter}`,
    orderId,
    paymentKey: `pay_${orderId}`,
    amountMinor: 5000,
    currency: 'USD',
    createdAt: NOW_SECONDS - 60,
    ...extra,
  };
}

/** Signs bytes as the gateway would and posts them to the provider's route. */
export function postSigned(
  app: FastifyInstance,
  provider: Provider,
  input: { body: Uint8Array; eventId: string; secret?: string; timestamp?: number },
) {
  const request = signedRequest(provider, {
    body: input.body,
    eventId: input.eventId,
    secrets: [input.secret ?? secretOf(provider)],
    timestamp: input.timestamp ?? NOW_SECONDS,
    notificationUrl: `${PUBLIC_URL}/webhooks/${provider.route}`,
  });
  return app.inject({
    method: 'POST',
    url: `/webhooks/${provider.route}`,
    headers: request.headers,
    payload: Buffer.from(request.body),
  });
}

/** Builds the provider's event for a step, encodes, signs and delivers it. */
export function deliver(app: FastifyInstance, provider: Provider, paymentStep: PaymentStep) {
  const { event, eventId } = provider.buildEvent(paymentStep);
  return postSigned(app, provider, { body: provider.encode(event), eventId });
}

export function putOrder(app: FastifyInstance, orderId: string, amount = '50.00', currency = 'USD') {
  return app.inject({
    method: 'PUT',
    url: `/ipn-probe/orders/${orderId}`,
    headers: probeHeaders,
    payload: { amount, currency },
  });
}

export async function getOrder(app: FastifyInstance, orderId: string) {
  const response = await app.inject({ method: 'GET', url: `/ipn-probe/orders/${orderId}`, headers: probeHeaders });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

export function secretOf(provider: Provider): string {
  return secrets[provider.id as ProviderId];
}

/**
 * Puts a pending inbox row of a provider the receiver no longer has straight into its database: an event its worker
 * cannot read, so every attempt at it fails.
 */
export function insertUnreadableRow(dbFile: string, eventId: string): void {
  const db = new Database(dbFile);
  try {
    db.prepare(`INSERT INTO inbox (provider, event_id, received_at, body, headers) VALUES (?, ?, ?, ?, '{}')`).run(
      'retired-provider',
      eventId,
      0,
      Buffer.from('{}'),
    );
  } finally {
    db.close();
  }
}

/** Reads the receiver's tables through a second connection (WAL lets it read beside the receiver). */
export function readTables(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      inbox: db.prepare('SELECT provider, event_id, state, attempts, last_error FROM inbox').all() as {
        provider: string;
        event_id: string;
        state: string;
        attempts: number;
        last_error: string | null;
      }[],
      deadLetters: db.prepare('SELECT provider, event_id, reason, body FROM dead_letters ORDER BY id').all() as {
        provider: string;
        event_id: string | null;
        reason: string;
        body: Buffer;
      }[],
      facts: count('facts'),
      effects: db.prepare('SELECT key, kind FROM effects ORDER BY key').all() as { key: string; kind: string }[],
    };
  } finally {
    db.close();
  }
}
