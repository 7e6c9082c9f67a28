import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { buildReceiver } from '../../receiver/app.js';
import { scenarios } from '../../scenarios/catalog/index.js';
import { main } from '../../scenarios/cli/main.js';
import { runsIn } from '../../scenarios/define.js';
import { RunReportSchema } from '../../scenarios/verdict.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';
import { TEST_PROBE_TOKEN, testProbe } from '../support/probe-token.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(3));

async function stripeReceiver(flaw: Flaw | 'none') {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
}

test('run exits 0 and prints a passing line per guarantee when every guarantee holds', async () => {
  const { io, captured } = fakeIo();
  const code = await main(['run', ...(await stripeReceiver('none')), '--secret', secret], io);
  expect(captured.err).toBe('');
  expect(code).toBe(0);
  // The scenarios that apply (without --receiver-cmd and --gateway-port), and the baseline and acknowledgement-latency
  // verdicts every run has.
  const applicable = scenarios.filter((s) => runsIn(s, providers.stripe)).length + 2;
  expect(captured.out.match(/PASS/g)).toHaveLength(applicable);
  expect(captured.out).toContain(`${applicable} of ${applicable} guarantees held`);
});

test('run exits 1 on a broken guarantee and prints evidence, the seed and a replay command without the secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const json = join(dir, 'out', 'report.json');
  const { io, captured } = fakeIo({ IPN_GAUNTLET_SECRET: secret });
  const args = [...(await stripeReceiver('applies-every-delivery')), '--seed', '1234', '--only', 'idem.sequential'];
  const code = await main(['run', ...args, '--json', json], io);
  expect(code).toBe(1);
  expect(captured.out).toContain('FAIL');
  expect(captured.out).toMatch(/fulfilled 3 times, expected once/);
  expect(captured.out).toMatch(
    /replay: npx ipn-gauntlet run --target \S+ --probe \S+ --provider stripe --secret "\$IPN_GAUNTLET_SECRET" --probe-token "\$IPN_GAUNTLET_PROBE_TOKEN" --seed 1234 --only idem\.sequential/,
  );
  expect(captured.out).not.toContain(secret);
  expect(captured.out).not.toContain(TEST_PROBE_TOKEN);
  const report = RunReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
  expect(report).toMatchObject({ seed: 1234, provider: 'stripe' });
  expect(report.results.map((r) => [r.guarantee, r.status])).toEqual([['idem.sequential', 'fail']]);
});

test('the same seed replays the same deliveries', async () => {
  const receiver = await stripeReceiver('none');
  const deliveries = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ipn-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'r.json');
    const { io } = fakeIo();
    await main(
      ['run', ...receiver, '--secret', secret, '--seed', '77', '--only', 'order.final-state', '--json', file],
      io,
    );
    const report = RunReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    return report.results[0]?.deliveries;
  };
  const first = await deliveries();
  expect(first).toBeGreaterThan(0);
  expect(await deliveries()).toBe(first);
});

test.each([
  [['nonsense'], /unknown command "nonsense"/],
  [['run', '--probe', 'http://127.0.0.1:1/p'], /run needs --target/],
  [['run', '--target', 'ftp://x', '--probe', 'http://x'], /--target must be an http/],
  [
    ['run', '--target', 'http://a', '--probe', 'http://b', '--provider', 'no-such-gateway'],
    /IPN_ERR_UNKNOWN_PROVIDER: unknown provider "no-such-gateway"/,
  ],
  [
    ['run', '--target', 'http://a', '--probe', 'http://b', '--provider', 'stripe'],
    /IPN_ERR_SECRET_MISSING.*IPN_GAUNTLET_SECRET/,
  ],
  [
    ['run', '--target', 'http://a', '--probe', 'http://b', '--provider', 'stripe', '--secret', ' whsec_x'],
    /IPN_ERR_SECRET_FORMAT.*whitespace/,
  ],
  [
    [
      'run',
      '--target',
      'http://a',
      '--probe',
      'http://b',
      '--provider',
      'stripe',
      '--secret',
      'whsec_x',
      '--only',
      'idem.nope',
    ],
    /IPN_ERR_UNKNOWN_GUARANTEE/,
  ],
  [['demo', '--seed', 'abc'], /--seed must be a whole number/],
])('usage errors exit 2 with a message that says what to fix: %j', async (argv, message) => {
  const { io, captured } = fakeIo();
  expect(await main(argv, io)).toBe(2);
  expect(captured.err).toMatch(message);
});

test('an unreachable target and a missing probe are setup errors (exit 2) that name the fix', async () => {
  const bare = Fastify();
  const base = await listenOnLoopback(bare);
  const closedPort = Fastify();
  const closedBase = await listenOnLoopback(closedPort);
  await closedPort.close();
  cleanups.push(() => bare.close());

  const unreachable = fakeIo();
  const args = ['--provider', 'stripe', '--secret', 'whsec_x'];
  expect(
    await main(
      ['run', '--target', `${closedBase}/webhooks/stripe`, '--probe', `${closedBase}/p`, ...args],
      unreachable.io,
    ),
  ).toBe(2);
  expect(unreachable.captured.err).toMatch(
    /IPN_ERR_TARGET_UNREACHABLE: nothing answers HTTP at .*ECONNREFUSED.*Start the receiver/,
  );

  const noProbe = fakeIo();
  expect(
    await main(['run', '--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, ...args], noProbe.io),
  ).toBe(2);
  expect(noProbe.captured.err).toMatch(/IPN_ERR_PROBE_MISSING: GET .*\/ipn-probe\/health answered 404/);
});

test('guarantees lists the catalog', async () => {
  const { io, captured } = fakeIo();
  expect(await main(['guarantees'], io)).toBe(0);
  expect(captured.out).toContain('idem.concurrent');
  expect(captured.out).toContain('evidence:');
});

test('--junit writes one test case per guarantee, a failure carrying its evidence and replay command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const junit = join(dir, 'junit.xml');
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('no-amount-check')), '--secret', secret, '--seed', '5', '--junit', junit];
  expect(await main(['run', ...args], io)).toBe(1);
  expect(captured.out).toContain(`JUnit report: ${junit}`);
  const xml = await readFile(junit, 'utf8');
  // A test case per verdict line, and a skipped one per guarantee no scenario checks for Stripe.
  const cases = xml.match(/<testcase /g) ?? [];
  const notApplicable = xml.match(/<skipped message="not (applicable|run): /g) ?? [];
  expect(cases.length - notApplicable.length).toBe(captured.out.match(/ (PASS|FAIL) /g)?.length);
  expect(xml).toMatch(/<testsuites name="ipn-gauntlet" tests="\d+" failures="1" errors="0">/);
  const failure = /<failure message="([^"]*)" type="consistency.amount">([\s\S]*?)<\/failure>/.exec(xml);
  expect(failure?.[1]).toMatch(/status is paid, expected flagged/);
  expect(failure?.[2]).toContain('replay: npx ipn-gauntlet run');
  expect(failure?.[2]).toContain('status: probe paid, a correct receiver flagged');
});

/** Carriage return and ANSI erase-line: how the progress line is replaced. */
const clearLine = `\r${String.fromCharCode(27)}[2K`;

test('on a terminal a progress line counts deliveries while a scenario runs, and is replaced by the verdict', async () => {
  const { io, captured } = fakeIo();
  const tty = { ...io, stdout: { ...io.stdout, isTTY: true } };
  const code = await main(
    ['run', ...(await stripeReceiver('none')), '--secret', secret, '--only', 'idem.concurrent'],
    tty,
  );
  expect(code).toBe(0);
  const lines = captured.out.split(clearLine);
  expect(
    lines.some((line) => /^ {2}.*idem\.concurrent… \d+ sent, \d+ acknowledged, 0 refused, 0 unsure/.test(line)),
  ).toBe(true);
  expect(lines.some((line) => /^ {2}.*PASS/.test(line))).toBe(true);
  const piped = fakeIo();
  await main(['run', ...(await stripeReceiver('none')), '--secret', secret, '--only', 'idem.concurrent'], piped.io);
  expect(piped.captured.out).not.toContain('acknowledged,');
});

test('a wrong secret, a wrong route and an unhandled event type stop at the preflight with exit 2 and the receiver’s words', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-cli-pre-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const app = await buildReceiver({ secrets: { stripe: secret }, dbFile: join(dir, 'r.db'), ...testProbe });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const probe = ['--probe', `${base}/ipn-probe`, '--provider', 'stripe', '--seed', '3'];
  const other = providers.stripe.secret.generate(new Uint8Array(32).fill(4));

  const wrongSecret = fakeIo();
  expect(await main(['run', '--target', `${base}/webhooks/stripe`, ...probe, '--secret', other], wrongSecret.io)).toBe(
    2,
  );
  expect(wrongSecret.captured.err).toMatch(
    /IPN_ERR_PREFLIGHT_REFUSED: a genuine payment_intent\.succeeded .* was answered 400: \{"error":"signature_rejected".*Pass the endpoint secret/,
  );
  expect(wrongSecret.captured.out).not.toMatch(/FAIL|PASS/);

  const wrongRoute = fakeIo();
  expect(await main(['run', '--target', `${base}/webhooks/strip`, ...probe, '--secret', secret], wrongRoute.io)).toBe(
    2,
  );
  expect(wrongRoute.captured.err).toMatch(/was answered 404: \{"error":"not_found".*check the --target route/);

  const unhandled = buildFlawedReceiver({ provider: 'stripe', secret, flaw: 'unsupported-event-type-400' });
  const unhandledBase = await listenOnLoopback(unhandled);
  cleanups.push(() => unhandled.close());
  const refused = fakeIo();
  const args = ['--target', `${unhandledBase}/webhooks/stripe`, '--probe', `${unhandledBase}/ipn-probe`];
  expect(await main(['run', ...args, '--provider', 'stripe', '--secret', secret], refused.io)).toBe(2);
  expect(refused.captured.err).toMatch(
    /answered 400: \{"error":"Unsupported event type: payment_intent\.succeeded"\}.*Answer 2xx to event types you do not handle/,
  );
});
