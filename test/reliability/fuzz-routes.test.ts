import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { expect, test } from 'vitest';
import { type PaymentStep, type Provider, signedRequest } from '../../contracts/provider.js';
import { providers } from '../../contracts/providers/index.js';
import { allProviders, NOW_SECONDS, PUBLIC_URL, secretOf } from '../receiver/receiver-fixture.js';
import { probeHeaders } from '../support/probe-token.js';
import { backends } from '../support/receiver-backends.js';
import { recordFigures, sized, timeoutFor } from '../support/reliability.js';

const SEED = 20_250_615;
/** 300 in `npm test`; 12,000 per backend in `npm run reliability`. */
const REQUESTS = sized('FUZZ_REQUESTS', 300, 12_000);

/** Strings a database or a parser may choke on: U+0000, lone surrogates, Latin-1, controls, quotes, huge ones. */
const awkward = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('\u0000', '\ud800', '\udfff', '\u00ff', '\u0001', '"', '\\', '\u2028', '💳', '%00', '\r\n'),
      fc.constantFrom('x'.repeat(1_100), 'y'.repeat(3_000)),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join(''));

const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('a\u0000b', '\u00ff\u00fe', 'z'.repeat(4_000), ''),
);
const oddHeaders = fc.dictionary(
  fc.constantFrom('x-odd', 'x-empty', 'stripe-signature', 'webhook-id', 'webhook-signature', 'content-type', 'x-id'),
  headerValue,
  { maxKeys: 3 },
);

const provider = fc.constantFrom(...allProviders.map((p) => p.provider));
const kind = fc.constantFrom<PaymentStep['kind']>('succeeded', 'pending', 'failed', 'refunded');

/** A provider's real event with fuzzed ids and amounts, signed correctly (the receiver must store or dead-letter it). */
const signedEvent = fc
  .record({ provider, kind, eventKey: awkward, orderId: awkward, amountMinor: fc.integer(), headers: oddHeaders })
  .map(({ provider: p, kind: k, eventKey, orderId, amountMinor, headers }): InjectOptions => {
    const step = { kind: k, eventKey, orderId, paymentKey: `pay_${eventKey}`, amountMinor, currency: 'USD' };
    let built: ReturnType<Provider['buildEvent']>;
    try {
      built = p.buildEvent({ ...step, createdAt: NOW_SECONDS - 60 });
    } catch {
      built = p.buildEvent({ ...step, kind: 'succeeded', createdAt: NOW_SECONDS - 60 });
    }
    return signedPost(p, p.encode(built.event), built.eventId, headers);
  });

/** Bytes that are no event (malformed JSON, random bytes, an envelope of the wrong shape), signed correctly. */
const signedBytes = fc
  .record({
    provider,
    body: fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom('{', '{"id":', '[]', 'null', '{"id":"evt_\\u0000"}', '{"type":1}').map((s) => Buffer.from(s)),
      fc.json().map((s) => Buffer.from(s)),
    ),
    eventId: awkward,
    headers: oddHeaders,
  })
  .map(({ provider: p, body, eventId, headers }) => signedPost(p, body, eventId, headers));

/** Anything at all, unsigned or signed with the wrong secret. */
const unsigned = fc.record({ provider, body: fc.uint8Array({ maxLength: 300 }), headers: oddHeaders }).map(
  ({ provider: p, body, headers }): InjectOptions => ({
    method: 'POST',
    url: `/webhooks/${p.route}`,
    headers: { ...p.baseHeaders, ...headers },
    payload: Buffer.from(body),
  }),
);

const probe = fc
  .record({
    method: fc.constantFrom<'GET' | 'PUT'>('GET', 'PUT'),
    orderId: fc.oneof(fc.constantFrom('ord_1', 'ord_2'), awkward),
    amount: fc.oneof(fc.constantFrom('49.99', '0.01', '-1', '1e9', ''), fc.string()),
    currency: fc.constantFrom('USD', 'EUR', 'usd', '', '\u0000\u0000\u0000'),
    token: fc.boolean(),
  })
  .map(
    ({ method, orderId, amount, currency, token }): InjectOptions => ({
      method,
      url: `/ipn-probe/orders/${percentEncoded(orderId)}`,
      headers: token ? probeHeaders : {},
      ...(method === 'PUT' ? { payload: { amount, currency } } : {}),
    }),
  );

const operations = fc
  .record({
    path: fc.constantFrom('/health/live', '/health/ready', '/metrics', '/ipn-probe/health', '/webhooks/x', '/nowhere'),
    query: fc.dictionary(fc.constantFrom('crc_token', 'q'), awkward, { maxKeys: 1 }),
    method: fc.constantFrom<'GET' | 'POST' | 'DELETE'>('GET', 'GET', 'POST', 'DELETE'),
  })
  .map(({ path, query, method }): InjectOptions => ({ method, url: path, query, headers: probeHeaders }));

/** Every UTF-8 byte percent-encoded (`encodeURIComponent` refuses a lone surrogate; its bytes are U+FFFD's). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

function signedPost(p: Provider, body: Uint8Array, eventId: string, headers: Record<string, string>): InjectOptions {
  const signed = signedRequest(p, {
    body,
    eventId,
    secrets: [secretOf(p)],
    timestamp: NOW_SECONDS,
    notificationUrl: `${PUBLIC_URL}/webhooks/${p.route}`,
  });
  const payload = Buffer.from(signed.body);
  return { method: 'POST', url: `/webhooks/${p.route}`, headers: { ...headers, ...signed.headers }, payload };
}

const anyRequest = fc.oneof(signedEvent, signedEvent, signedBytes, unsigned, probe, operations);

test(
  `${REQUESTS} fuzzed requests to every route get the same status from SQLite and PostgreSQL, and never a 5xx`,
  async () => {
    const requests = fc.sample(anyRequest, { seed: SEED, numRuns: REQUESTS });
    const [sqlite, postgres] = await Promise.all(backends.map(({ open }) => open()));
    if (sqlite === undefined || postgres === undefined) throw new Error('expected both backends');
    const differences: string[] = [];
    const failures: string[] = [];
    const spentMs = { SQLite: 0, PostgreSQL: 0 };
    const classes = { SQLite: new Map<string, number>(), PostgreSQL: new Map<string, number>() };
    for (const [index, request] of requests.entries()) {
      const startedAt = performance.now();
      const a = await sqlite.app.inject(request);
      const between = performance.now();
      const b = await postgres.app.inject(request);
      spentMs.SQLite += between - startedAt;
      spentMs.PostgreSQL += performance.now() - between;
      const what = `#${index} ${request.method} ${String(request.url).slice(0, 60)}`;
      const webhook = String(request.url).startsWith('/webhooks/') && request.method === 'POST';
      if (a.statusCode !== b.statusCode || (webhook && a.body !== b.body))
        differences.push(
          `${what}: SQLite ${a.statusCode} ${a.body.slice(0, 120)} / PostgreSQL ${b.statusCode} ${b.body.slice(0, 120)}`,
        );
      for (const [backend, answer] of [
        ['SQLite', a],
        ['PostgreSQL', b],
      ] as const) {
        const statusClass = `${String(answer.statusCode)[0]}xx`;
        classes[backend].set(statusClass, (classes[backend].get(statusClass) ?? 0) + 1);
        if (answer.statusCode >= 500)
          failures.push(`${what}: ${backend} ${answer.statusCode} ${answer.body.slice(0, 200)}`);
      }
    }

    // Both stayed healthy, applied what they stored, and kept the same dead letters.
    await Promise.all([sqlite.app.inbox.drain(), postgres.app.inbox.drain()]);
    const ready = async (receiver: typeof sqlite) =>
      (await receiver.app.inject({ method: 'GET', url: '/health/ready' })).statusCode;
    const reasons = async (receiver: typeof sqlite) =>
      (await receiver.storage.listDeadLetters({ limit: REQUESTS, offset: 0 }))
        .map((l) => `${l.provider} ${l.reason}`)
        .sort();
    const after = {
      SQLite: { ready: await ready(sqlite), deadLetters: await reasons(sqlite) },
      PostgreSQL: { ready: await ready(postgres), deadLetters: await reasons(postgres) },
    };
    for (const backend of ['SQLite', 'PostgreSQL'] as const) {
      await recordFigures('fuzzed requests', {
        backend,
        requests: REQUESTS,
        seed: String(SEED),
        '2xx': classes[backend].get('2xx') ?? 0,
        '4xx': classes[backend].get('4xx') ?? 0,
        '5xx': classes[backend].get('5xx') ?? 0,
        'answers unlike the other backend': differences.length,
        'dead letters': after[backend].deadLetters.length,
        'ready after': after[backend].ready,
        'ms per request': Number((spentMs[backend] / REQUESTS).toFixed(2)),
      });
    }

    expect(failures).toEqual([]);
    expect(differences).toEqual([]);
    expect(after.SQLite.ready).toBe(200);
    expect(after.PostgreSQL.ready).toBe(200);
    expect(after.PostgreSQL.deadLetters).toEqual(after.SQLite.deadLetters);
    expect(after.SQLite.deadLetters.length).toBeGreaterThan(0);
    expect(
      requests.filter((r) => r.method === 'POST' && String(r.url).includes(providers.stripe.route)).length,
    ).toBeGreaterThan(10);
  },
  timeoutFor(REQUESTS, 20),
);
