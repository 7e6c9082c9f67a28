import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { type ProviderId, providerIds, providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import type { CliEnvironment } from '../../scenarios/cli/io.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';
import { startTestGateway } from '../support/gateway.js';
import { listenOnLoopback } from '../support/listen.js';
import { probeHeaders, testProbe } from '../support/probe-token.js';

const run = promisify(execFile);

/** `ipn-gauntlet trigger`: one genuine event of a named type, with overrides, sent or printed as curl. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(3));
const sendTo = (target: string, ...more: string[]) => ['--target', target, '--secret', secret, ...more];

async function referenceReceiver(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-trigger-'));
  const app = await buildReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'r.db'), ...testProbe });
  const base = await listenOnLoopback(app);
  cleanups.push(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  return base;
}

interface Captured {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A loopback server that keeps every request's headers and exact body bytes, and answers 200. */
async function capturingServer(): Promise<{ url: string; requests: Captured[] }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`, requests };
}

/** The URL, headers and body bytes of a printed curl command, read as bash reads its quoting. */
function parseCurl(command: string): { url: string; headers: Record<string, string>; body: Buffer } {
  const unquote = (text: string) => text.replaceAll(`'\\''`, "'");
  const url = unquote(/^curl -sS '((?:[^']|'\\'')*)'/.exec(command)?.[1] ?? '');
  const headers: Record<string, string> = {};
  for (const [, header = ''] of command.matchAll(/-H '((?:[^']|'\\'')*)'/g)) {
    const text = unquote(header);
    const at = text.indexOf(':');
    headers[text.slice(0, at).toLowerCase()] = text.slice(at + 1).trim();
  }
  const quoted = /--data-binary \$'((?:[^'\\]|\\.)*)'\s*$/.exec(command)?.[1] ?? '';
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '\\': 0x5c, "'": 0x27 };
  for (let i = 0; i < quoted.length; i += 1) {
    const char = quoted[i] ?? '';
    if (char !== '\\') {
      bytes.push(char.charCodeAt(0));
      continue;
    }
    const next = quoted[i + 1] ?? '';
    if (next === 'x') {
      bytes.push(Number.parseInt(quoted.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? Number.NaN);
      i += 1;
    }
  }
  return { url, headers, body: Buffer.from(bytes) };
}

test('a triggered event is signed as the gateway signs it, and the reference receiver accepts it', async () => {
  const base = await referenceReceiver();
  const { io, captured } = fakeIo();
  const code = await main(
    ['trigger', 'stripe', 'payment_intent.succeeded', ...sendTo(`${base}/webhooks/stripe`, '--times', '2')],
    io,
  );
  expect(captured.err).toBe('');
  expect(code).toBe(0);
  // The same event twice: the receiver applies it once and says the second is a duplicate.
  expect(captured.out).toMatch(
    /--> (evt_\w+) payment_intent\.succeeded\n<-- \[200\] \d+ms \{"received":true,"duplicate":false\}\n--> \1 payment_intent\.succeeded\n<-- \[200\] \d+ms \{"received":true,"duplicate":true\}\n2 of 2 deliveries answered 2xx\n$/,
  );
});

test('--concurrent sends the deliveries at once and each gets its answer line', async () => {
  const base = await referenceReceiver();
  const { io, captured } = fakeIo();
  const args = ['trigger', 'stripe', 'charge.refunded', ...sendTo(`${base}/webhooks/stripe`, '--times', '3')];
  expect(await main([...args, '--concurrent'], io)).toBe(0);
  expect(captured.out).toContain('3 deliveries at once');
  expect(captured.out.match(/^--> evt_\w+ charge\.refunded$/gm)).toHaveLength(3);
  expect(captured.out.match(/^<-- \[200\] /gm)).toHaveLength(3);
});

test('an override reaches the receiver: the order it names is paid the amount it sets', async () => {
  const base = await referenceReceiver();
  const orderId = 'ord_trigger_1';
  const put = await request(`${base}/ipn-probe/orders/${orderId}`, {
    method: 'PUT',
    headers: { ...probeHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: '5.00', currency: 'USD' }),
  });
  expect(put.statusCode).toBe(201);
  await put.body.dump();
  const sets = [
    `data.object.metadata.order_id=${orderId}`,
    'data.object.amount=500',
    'data.object.amount_received=500',
    'data.object.currency=usd',
  ].flatMap((set) => ['--set', set]);
  const { io, captured } = fakeIo();
  expect(
    await main(['trigger', 'stripe', 'payment_intent.succeeded', ...sendTo(`${base}/webhooks/stripe`, ...sets)], io),
  ).toBe(0);
  expect(captured.out).toContain('<-- [200]');
  let view: { status?: string; amountPaid?: string } = {};
  for (let i = 0; i < 50 && view.status !== 'paid'; i += 1) {
    const answer = await request(`${base}/ipn-probe/orders/${orderId}`, { headers: probeHeaders });
    view = (await answer.body.json()) as typeof view;
    if (view.status !== 'paid') await new Promise((resolve) => setTimeout(resolve, 40));
  }
  expect(view).toMatchObject({ status: 'paid', amountPaid: '5.00' });
});

test("--print's curl command carries the bytes and headers trigger sends, and curl sends them unchanged", async () => {
  const server = await capturingServer();
  // One clock second and one run id for both, so the two requests are signed alike.
  const now = Date.now();
  const fixed = (): CliEnvironment => ({ ...fakeIo().io, clock: () => now, randomRunId: () => 'fixedrun' });
  const args = ['trigger', 'stripe', 'payment_intent.succeeded', ...sendTo(server.url, '--seed', '9')];
  expect(await main([...args, '--set', "data.object.metadata.note=it's \\ 100% ü"], fixed())).toBe(0);
  const sent = server.requests[0];
  if (sent === undefined) throw new Error('trigger sent nothing');
  const printing = fixed();
  let command = '';
  const io = { ...printing, stdout: { write: (text: string) => (command += text) } };
  expect(await main([...args, '--set', "data.object.metadata.note=it's \\ 100% ü", '--print'], io)).toBe(0);

  const printed = parseCurl(command.trim());
  expect(printed.url).toBe(server.url);
  expect(printed.body.equals(sent.body)).toBe(true);
  expect(sent.body.toString('utf8')).toContain(`"note": "it's \\\\ 100% ü"`);
  for (const name of ['stripe-signature', 'content-type', 'user-agent', 'accept', 'cache-control']) {
    expect(printed.headers[name]).toBe(sent.headers[name]);
  }
  // The bytes verify under the secret, as the receiver's check would.
  const verdict = providers.stripe.verify({
    body: printed.body,
    headers: printed.headers,
    secret,
    nowSeconds: Math.floor(now / 1000),
  });
  expect(verdict).toMatchObject({ ok: true });

  // Where curl is installed, the command itself: what reaches the server is what trigger sent.
  if (spawnSync('curl', ['--version']).status !== 0) return;
  const curl = await run('bash', ['-c', command], { timeout: 20_000 });
  expect(curl.stdout).toBe('{"ok":true}');
  const replayed = server.requests[1];
  expect(replayed?.body.equals(sent.body)).toBe(true);
  expect(replayed?.headers['stripe-signature']).toBe(sent.headers['stripe-signature']);
});

test('a wrong secret is refused by the receiver: the [400] line and exit 1, the secret never printed', async () => {
  const base = await referenceReceiver();
  const other = providers.stripe.secret.generate(new Uint8Array(32).fill(4));
  const { io, captured } = fakeIo();
  const args = ['trigger', 'stripe', 'payment_intent.succeeded', '--target', `${base}/webhooks/stripe`];
  expect(await main([...args, '--secret', other], io)).toBe(1);
  expect(captured.out).toMatch(/<-- \[400\] \d+ms \{"error":"signature_rejected"/);
  expect(captured.out).toContain('0 of 1 delivery answered 2xx');
  expect(captured.out + captured.err).not.toContain(other);
});

test.each([
  [['trigger', 'strip', 'x'], 'IPN_ERR_UNKNOWN_PROVIDER', /unknown provider "strip".*Did you mean stripe\?/],
  [
    ['trigger', 'stripe', 'payment_intent.succeded', ...sendTo('http://127.0.0.1:9/')],
    'IPN_ERR_UNKNOWN_EVENT_TYPE',
    /no event type "payment_intent\.succeded" here\. Did you mean payment_intent\.succeeded\? Event types: payment_intent\.processing, payment_intent\.succeeded, .*checkout\.session\.completed/,
  ],
  [
    ['trigger', 'stripe', 'charge.refunded', '--taget', 'x'],
    'IPN_ERR_USAGE',
    /Unknown option '--taget'\. Did you mean --target\?/,
  ],
  [
    ['trigger', 'stripe', 'charge.refunded', '--target', 'http://127.0.0.1:9/', '--secret', 'sk_test_123456'],
    'IPN_ERR_SECRET_FORMAT',
    /does not start with whsec_ \(that is an API key, not the endpoint secret\)/,
  ],
  [
    ['trigger', 'stripe', 'charge.refunded', ...sendTo('http://127.0.0.1:9/', '--set', 'data.objcet.amount=5')],
    'IPN_ERR_USAGE',
    /--set data\.objcet\.amount=5: data has no "objcet"\. Did you mean object\?/,
  ],
  [
    ['trigger', 'stripe', 'charge.refunded', ...sendTo('http://127.0.0.1:9/', '--set', 'data.object.amount=five')],
    'IPN_ERR_USAGE',
    /the field is a number, "five" is not/,
  ],
  [
    ['trigger', 'stripe', 'charge.refunded', ...sendTo('http://127.0.0.1:9/', '--times', '2', '--print')],
    'IPN_ERR_USAGE',
    /--print prints one request/,
  ],
])('%j is refused with %s and a message that says what was meant', async (args, code, message) => {
  const { io, captured } = fakeIo();
  expect(await main(args, io)).toBe(2);
  expect(captured.err.startsWith(`${code}: `)).toBe(true);
  expect(captured.err).toMatch(message);
});

/** What each gateway calls the event of a payment that succeeded. */
const paymentSucceeded: Record<ProviderId, string> = {
  stripe: 'payment_intent.succeeded',
  'standard-webhooks': 'payment.succeeded',
  paddle: 'transaction.completed',
  razorpay: 'payment.captured',
  shopify: 'succeeded',
  square: 'payment.updated',
  'paypal-ipn': 'succeeded',
  'paypal-rest': 'PAYMENT.CAPTURE.COMPLETED',
  adyen: 'succeeded',
  x: 'succeeded',
  mollie: 'succeeded',
};

test("every gateway's triggered event is accepted by the reference receiver, which asks the fake gateway where its gateway is asked", async () => {
  const gatewayKey = 'trigger-test-gateway-key';
  const gateway = await startTestGateway(gatewayKey);
  cleanups.push(gateway.close);
  const secrets = Object.fromEntries(
    providerIds.map((id) => [
      id,
      id === 'paypal-ipn' ? 'merchant@example.com' : providers[id].secret.generate(new Uint8Array(32).fill(2)),
    ]),
  );
  const registered = 'https://hooks.example.com';
  const dir = await mkdtemp(join(tmpdir(), 'ipn-trigger-all-'));
  const app = await buildReceiver({
    secrets,
    dbFile: join(dir, 'r.db'),
    gatewayUrl: gateway.url,
    publicUrl: registered,
  });
  const base = await listenOnLoopback(app);
  cleanups.push(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  const answers: Record<string, string> = {};
  for (const id of providerIds) {
    const route = `/webhooks/${providers[id].route}`;
    const { io, captured } = fakeIo();
    const args = ['--target', `${base}${route}`, '--secret', secrets[id] ?? '', '--gateway-key', gatewayKey];
    const notificationUrl = ['--notification-url', `${registered}${route}`];
    const code = await main(['trigger', id, paymentSucceeded[id], ...args, ...notificationUrl], io);
    answers[id] = `${code} ${/<-- \[(\d+)\]/.exec(captured.out)?.[1] ?? captured.err}`;
  }
  expect(answers).toEqual(Object.fromEntries(providerIds.map((id) => [id, '0 200'])));
});

test('without an event type, trigger lists every type the provider sends, family by family', async () => {
  const { io, captured } = fakeIo();
  expect(await main(['trigger', 'paddle'], io)).toBe(0);
  expect(captured.out).toMatch(/^transaction\.completed +transaction$/m);
  expect(captured.out).toMatch(/^subscription\.canceled +subscription$/m);
});
