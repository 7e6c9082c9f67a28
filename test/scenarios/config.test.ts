import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { IpnError } from '../../contracts/errors.js';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { loadConfig } from '../../scenarios/config/load.js';
import { withConfig } from '../../scenarios/config/run-flags.js';
import { defineConfig } from '../../scenarios/index.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { buildFlawedReceiver } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-config-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(4));

/** The IpnError a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<IpnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IpnError);
  return error as IpnError;
}

async function loadError(config: unknown, name = 'ipn-gauntlet.config.json'): Promise<string> {
  const cwd = await folder({ [name]: typeof config === 'string' ? config : JSON.stringify(config) });
  const error = await rejection(loadConfig({ cwd }));
  expect(error.code).toBe('IPN_ERR_CONFIG_INVALID');
  return error.message;
}

test('the JSON file in the working directory is found, validated and typed like defineConfig', async () => {
  const config = defineConfig({
    target: 'http://127.0.0.1:3000/webhooks/stripe',
    probe: 'http://127.0.0.1:3000/ipn-probe',
    providers: { stripe: { secretEnv: 'STRIPE_WEBHOOK_SECRET' } },
    seed: 7,
    only: ['idem.sequential'],
    reports: { junit: 'gauntlet.xml' },
  });
  const cwd = await folder({ 'ipn-gauntlet.config.json': JSON.stringify(config) });
  const loaded = await loadConfig({ cwd });
  expect(loaded?.file).toBe(join(cwd, 'ipn-gauntlet.config.json'));
  expect(loaded?.config).toEqual(config);
});

test('an .mjs config is imported and its default export validated; no file at all is no config', async () => {
  const cwd = await folder({
    'ipn-gauntlet.config.mjs': "export default { probe: 'http://127.0.0.1:1/ipn-probe', gatewayPort: 0 };\n",
  });
  expect((await loadConfig({ cwd }))?.config).toEqual({ probe: 'http://127.0.0.1:1/ipn-probe', gatewayPort: 0 });
  expect(await loadConfig({ cwd: await folder({}) })).toBeUndefined();
});

test('--config picks a file by path, and a missing one is named', async () => {
  const cwd = await folder({ 'ci.json': JSON.stringify({ seed: 5 }) });
  expect((await loadConfig({ cwd, file: 'ci.json' }))?.config).toEqual({ seed: 5 });
  expect((await rejection(loadConfig({ cwd, file: 'nope.json' }))).message).toContain('nope.json');
});

test('a wrong type names the key path, what is expected and what kind of value came, never the value', async () => {
  const message = await loadError({ providers: { stripe: { secret: 12345678 } } });
  expect(message).toContain('providers.stripe.secret: expected a string (the endpoint secret), got a number');
  expect(message).not.toContain('12345678');
});

test('unknown keys are named with the keys that are expected there', async () => {
  const message = await loadError({ reports: { xml: 'a.xml' }, tagret: 'http://x' });
  expect(message).toContain('tagret: unknown key; expected one of target, probe, provider');
  expect(message).toContain('reports.xml: unknown key; expected one of json, junit, html');
});

test('bad values name their key: URL, provider, guarantee, seed, run id, port', async () => {
  const message = await loadError({
    target: 'ftp://example.test/hook',
    provider: 'strype',
    providers: { paypal: { secretEnv: 'X' } },
    only: ['idem.sequential', 'idem.twice'],
    seed: -1,
    runId: 'Has Spaces',
    gatewayPort: 70_000,
  });
  expect(message).toContain('target: expected an http:// or https:// URL');
  expect(message).toMatch(/provider: expected one of stripe, /);
  expect(message).toMatch(/providers\.paypal: unknown provider; expected one of stripe, /);
  expect(message).toMatch(/only\.1: /);
  expect(message).toContain('seed: expected a whole number from 0 to 2147483647');
  expect(message).toContain('runId: expected 1 to 12 lower-case letters or digits');
  expect(message).toContain('gatewayPort: expected a whole number from 0 to 65535');
});

test('a file that is not JSON, has no default export or exports a non-object says so', async () => {
  expect(await loadError('{ "seed": 1,, }')).toContain('is not valid JSON');
  expect(await loadError('export const config = {};\n', 'ipn-gauntlet.config.mjs')).toContain('no default export');
  expect(await loadError('export default 42;\n', 'ipn-gauntlet.config.mjs')).toContain(
    '(the whole config): expected an object',
  );
});

test('two default files are ambiguous', async () => {
  const cwd = await folder({ 'ipn-gauntlet.config.json': '{}', 'ipn-gauntlet.config.mjs': 'export default {};\n' });
  const error = await rejection(loadConfig({ cwd }));
  expect(error.message).toContain('ipn-gauntlet.config.json, ipn-gauntlet.config.mjs');
  expect(error.hint).toContain('--config');
});

test('a .ts config on a Node that cannot load TypeScript gets an error that says what to do', async () => {
  const cwd = await folder({ 'ipn-gauntlet.config.ts': 'export default {};\n' });
  // What Node 20's loader throws for a .ts file.
  const node20 = () =>
    Promise.reject(
      Object.assign(new TypeError('Unknown file extension ".ts"'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' }),
    );
  const error = await rejection(loadConfig({ cwd, importModule: node20 }));
  expect(error.message).toContain('cannot load TypeScript');
  expect(error.hint).toContain('ipn-gauntlet.config.mjs');
});

test('flags override the file; the secret comes from secretEnv; the only provider is implied', async () => {
  const loaded = {
    file: 'ipn-gauntlet.config.json',
    config: defineConfig({
      target: ['http://127.0.0.1:1/a', 'http://127.0.0.1:2/a'],
      providers: { stripe: { secretEnv: 'MY_SECRET' } },
      seed: 3,
      only: ['idem.sequential', 'auth.forged-rejected'],
    }),
  };
  expect(withConfig({ seed: '9' }, loaded, { MY_SECRET: 'whsec_x' })).toEqual({
    target: 'http://127.0.0.1:1/a,http://127.0.0.1:2/a',
    provider: 'stripe',
    secret: 'whsec_x',
    seed: '9',
    only: 'idem.sequential,auth.forged-rejected',
  });
  expect(withConfig({ secret: 'from-flag' }, loaded, {}).secret).toBe('from-flag');
});

test('secret problems in the file name the key: unset variable, both secret and secretEnv, several providers', async () => {
  const file = 'ipn-gauntlet.config.json';
  const unset = () => withConfig({}, { file, config: { providers: { stripe: { secretEnv: 'NOT_SET' } } } }, {});
  expect(unset).toThrow(/providers\.stripe\.secretEnv: expected the environment variable NOT_SET/);
  const both = { providers: { stripe: { secret: 'a', secretEnv: 'B' } } };
  expect(() => withConfig({}, { file, config: both }, { B: 'b' })).toThrow(/providers\.stripe: expected either/);
  const two = { providers: { stripe: { secret: 'a' }, paddle: { secret: 'b' } } };
  expect(() => withConfig({}, { file, config: two }, {})).toThrow(/provider: expected one of the configured/);
  expect(withConfig({ provider: 'paddle' }, { file, config: two }, {}).secret).toBe('b');
});

test('run takes target, probe, provider, secret and seed from --config, and a flag overrides the file', async () => {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'none' });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const dir = await folder({});
  const json = join(dir, 'report.json');
  await writeFile(
    join(dir, 'gauntlet.json'),
    JSON.stringify({
      target: `${base}/webhooks/stripe`,
      probe: `${base}/ipn-probe`,
      providers: { stripe: { secretEnv: 'STRIPE_WEBHOOK_SECRET' } },
      seed: 1234,
      only: ['auth.forged-rejected'],
      reports: { json },
    }),
  );
  const { io, captured } = fakeIo({ STRIPE_WEBHOOK_SECRET: secret });
  const code = await main(['run', '--config', join(dir, 'gauntlet.json'), '--only', 'idem.sequential'], io);
  expect(captured.err).toBe('');
  expect(code).toBe(0);
  const report = RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report.seed).toBe(1234);
  expect(report.target).toBe(`${base}/webhooks/stripe`);
  expect(report.results.map((r) => r.guarantee)).toEqual(['idem.sequential']);
});

test('run exits 2 and names the bad key when the config is invalid; the default file is read from the cwd', async () => {
  const cwd = await folder({ 'ipn-gauntlet.config.json': JSON.stringify({ probe: 42 }) });
  const { io, captured } = fakeIo();
  const code = await main(['run'], { ...io, cwd });
  expect(code).toBe(2);
  expect(captured.err).toContain('IPN_ERR_CONFIG_INVALID');
  expect(captured.err).toContain('probe: expected an http:// or https:// URL as a string, got a number');
});

test('the example project config, which imports defineConfig from the package, loads as the default file', async () => {
  const cwd = fileURLToPath(new URL('../../examples/user-receiver/', import.meta.url));
  const loaded = await loadConfig({ cwd });
  expect(loaded?.config.providers).toEqual({ stripe: { secretEnv: 'STRIPE_WEBHOOK_SECRET' } });
  expect(withConfig({}, loaded, { STRIPE_WEBHOOK_SECRET: 'whsec_e' })).toMatchObject({
    provider: 'stripe',
    secret: 'whsec_e',
    seed: '7',
    junit: 'ipn-gauntlet.junit.xml',
  });
});
