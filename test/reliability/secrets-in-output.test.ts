import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { createRedactor, credentialsIn } from '../../scenarios/cli/redaction.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(8));
const PROBE_TOKEN = 'probe-token-that-must-stay-hidden';
const DB_PASSWORD = 'S3cret-db-passw0rd';
const API_KEY = 'sk_test_51HiddenApiKeyValue0001';
/** What the receiver's own answers leak (an internal address), hidden with --redact. */
const INTERNAL = 'db-primary.internal:5432';

test('no secret reaches the console, the JSON, JUnit and HTML reports, the case files or the replay command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-secrets-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // A receiver that breaks idem.sequential, and whose every answer names an internal address.
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'applies-every-delivery' });
  app.addHook('onSend', async (request, _reply, payload) =>
    request.url.startsWith('/webhooks/') ? `{"received":true,"via":"${INTERNAL}"}` : payload,
  );
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const receiverCmd = `DATABASE_URL=postgres://shop:${DB_PASSWORD}@127.0.0.1:5432/shop STRIPE_API_KEY=${API_KEY} exec sleep 60`;
  const { io, captured } = fakeIo({ IPN_GAUNTLET_PROBE_TOKEN: PROBE_TOKEN });
  const code = await main(
    [
      'run',
      ...['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'],
      ...['--secret', secret, '--seed', '3', '--only', 'idem.sequential'],
      ...['--receiver-cmd', receiverCmd, '--ready', `${base}/ipn-probe/health`, '--redact', INTERNAL],
      ...['--json', join(dir, 'r.json'), '--junit', join(dir, 'r.xml'), '--html', join(dir, 'r.html')],
      ...['--save-cases', join(dir, 'cases')],
    ],
    io,
  );
  expect(captured.err).toBe('');
  expect(code).toBe(1);
  const cases = await readdir(join(dir, 'cases'));
  expect(cases.length).toBeGreaterThan(0);
  const outputs: Record<string, string> = {
    console: captured.out,
    json: await readFile(join(dir, 'r.json'), 'utf8'),
    junit: await readFile(join(dir, 'r.xml'), 'utf8'),
    html: await readFile(join(dir, 'r.html'), 'utf8'),
    ...Object.fromEntries(
      await Promise.all(cases.map(async (file) => [file, await readFile(join(dir, 'cases', file), 'utf8')])),
    ),
  };
  for (const [where, text] of Object.entries(outputs)) {
    for (const hidden of [secret, PROBE_TOKEN, DB_PASSWORD, API_KEY, INTERNAL]) {
      expect({ where, leaks: text.includes(hidden) }).toEqual({ where, leaks: false });
    }
  }
  // The evidence is still there, with the secrets masked; the replay reads the command from the environment.
  expect(captured.out).toContain('Starting the receiver: DATABASE_URL=postgres://shop:***@127.0.0.1');
  expect(outputs.json).toContain('"via\\":\\"***\\"');
  expect(captured.out).toMatch(/replay: .*--receiver-cmd "\$IPN_GAUNTLET_RECEIVER_CMD"/);
}, 60_000);

test('credentials are found in URLs, environment assignments, flags and gateway key formats', () => {
  const command =
    'PGPASSWORD=hunter22 DATABASE_URL="postgres://app:pa55word@db/app" SHOPIFY_API_SECRET=\'shpss_0123\' ' +
    'node server.js --token abc123def --api-key=k3y-value-1 --port 3000 --secret $STRIPE_SECRET whsec_AbCdEf012345';
  expect(credentialsIn(command).sort()).toEqual(
    ['abc123def', 'hunter22', 'k3y-value-1', 'pa55word', 'shpss_0123', 'whsec_AbCdEf012345'].sort(),
  );
  expect(credentialsIn('node server.js --port 3000 --db ./receiver.db')).toEqual([]);
});

test('the redactor hides every registered value, also as JSON and URL escapes, longest first', () => {
  const redactor = createRedactor();
  redactor.add('pa"ss/word', 'short', undefined, 'pa"ss/word-and-more');
  expect(redactor.text('a pa"ss/word-and-more b pa"ss/word c short')).toBe('a *** b *** c short');
  expect(redactor.text(JSON.stringify({ v: 'pa"ss/word' }))).toBe('{"v":"***"}');
  expect(redactor.text(`x=${encodeURIComponent('pa"ss/word')}`)).toBe('x=***');
  expect(redactor.value({ list: ['pa"ss/word'], n: 3, nested: { k: 'x pa"ss/word' } })).toEqual({
    list: ['***'],
    n: 3,
    nested: { k: 'x ***' },
  });
});
