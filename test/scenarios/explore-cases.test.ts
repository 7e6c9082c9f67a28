import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { ExploreCaseSchema, ScenarioCaseSchema } from '../../scenarios/explore/case-file.js';
import { deliveriesOf } from '../../scenarios/explore/plan-model.js';
import { eventCount } from '../../scenarios/explore/promise.js';
import type { Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { flawedTarget } from './explore-support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function receiver(flaw: Flaw | 'none') {
  const target = await flawedTarget('stripe', flaw);
  cleanups.push(target.close);
  const flags = ['--target', target.options.target, '--probe', target.options.probe, '--secret', target.secret];
  return { ...target, flags };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-cases-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Explores a receiver through the CLI and returns the one case file it saved. */
async function exploreToCase(flaw: Flaw, dir: string) {
  const { flags, secret } = await receiver(flaw);
  const { io, captured } = fakeIo();
  const code = await main(
    ['explore', ...flags, '--provider', 'stripe', '--seed', '5', '--runs', '30', '--save', dir],
    io,
  );
  const [name] = await readdir(dir);
  if (name === undefined) throw new Error(`no case saved:\n${captured.out}${captured.err}`);
  const file = join(dir, name);
  // Case files and replay commands never carry the secret (decision 0004).
  expect(captured.out).not.toContain(secret);
  expect(await readFile(join(dir, name), 'utf8')).not.toContain(secret);
  return { code, out: captured.out, file, saved: ExploreCaseSchema.parse(JSON.parse(await readFile(file, 'utf8'))) };
}

describe('explore, case files and replay through the CLI', () => {
  test('explore prints the shrunk plan as a numbered list, saves it as a case and prints its replay command', async () => {
    const dir = await tempDir();
    const { code, out, file, saved } = await exploreToCase('applies-every-delivery', dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL');
    expect(out).toMatch(/ {2}1\. .+expect accept → 200/);
    expect(out).toContain('Probe vs lifecycle rule:');
    expect(out).toMatch(/fulfilled \d+ times, expected once|refunds ran, expected/);
    expect(out).toContain(`Case saved: ${file}`);
    expect(out).toContain(`npx ipn-gauntlet replay ${file} --target`);
    expect(saved.provider).toBe('stripe');
    expect(saved.seed).toBe(5);
    expect(saved.verdict.status).toBe('fail');
    // At most 3 deliveries beyond one of each event of its orders (the gateway's promise).
    const promised = saved.plan.orders.reduce((sum, kind) => sum + eventCount(providers.stripe, kind), 0);
    expect(deliveriesOf(saved.plan) - promised).toBeLessThanOrEqual(3);
    expect(saved.cause?.guarantee).toBe('idem.sequential');
    expect(out).toContain('Where to look: Record each event under the provider');
  });

  test('a saved case replays to the same verdict, and passes on the receiver without the flaw', async () => {
    const dir = await tempDir();
    const { file } = await exploreToCase('applies-every-delivery', dir);
    const flawed = fakeIo();
    // The case remembers the receiver it was found against; only the secret is given again.
    const secret = (await receiver('none')).secret;
    expect(await main(['replay', file, '--secret', secret], flawed.io)).toBe(1);
    expect(flawed.captured.out).toContain('Same verdict as saved (fail).');
    expect(flawed.captured.out).toMatch(/fulfilled \d+ times, expected once|refunds ran, expected/);

    const fixed = await receiver('none');
    const sound = fakeIo();
    const targetFlags = fixed.flags.slice(0, 4);
    expect(await main(['replay', file, ...targetFlags, '--secret', fixed.secret], sound.io)).toBe(0);
    expect(sound.captured.out).toContain('Verdict changed: saved fail, now pass.');
  });

  test('run --cases replays a directory of cases as a regression suite, a verdict per case', async () => {
    const dir = await tempDir();
    await exploreToCase('applies-every-delivery', dir);
    const flawed = await receiver('applies-every-delivery');
    const failing = fakeIo();
    expect(await main(['run', '--cases', dir, ...flawed.flags, '--provider', 'stripe'], failing.io)).toBe(1);
    expect(failing.captured.out).toMatch(/FAIL {2}.+\.json/);
    expect(failing.captured.out).toContain('npx ipn-gauntlet replay');
    expect(failing.captured.out).toContain('0 cases handled, 1 still failing');

    const fixed = await receiver('none');
    const passing = fakeIo();
    expect(await main(['run', '--cases', dir, ...fixed.flags, '--provider', 'stripe'], passing.io)).toBe(0);
    expect(passing.captured.out).toContain('1 cases handled, 0 still failing');
  });

  test('run --cases writes JUnit and JSON with a test case per case file, and refuses --html with the alternative', async () => {
    const dir = await tempDir();
    await exploreToCase('applies-every-delivery', dir);
    const reports = await tempDir();
    const flawed = await receiver('applies-every-delivery');
    const io = fakeIo();
    const files = ['--junit', join(reports, 'cases.xml'), '--json', join(reports, 'cases.json')];
    expect(await main(['run', '--cases', dir, ...flawed.flags, '--provider', 'stripe', ...files], io.io)).toBe(1);
    const xml = await readFile(join(reports, 'cases.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="ipn-gauntlet cases [^"]+" tests="1" failures="1"/);
    expect(xml).toMatch(/<failure message="still failing">[\s\S]*Replay: npx ipn-gauntlet replay/);
    const json = JSON.parse(await readFile(join(reports, 'cases.json'), 'utf8')) as { cases: { status: string }[] };
    expect(json.cases.map((c) => c.status)).toEqual(['fail']);

    const html = fakeIo();
    const htmlFlag = ['--html', join(reports, 'x.html')];
    expect(await main(['run', '--cases', dir, ...flawed.flags, '--provider', 'stripe', ...htmlFlag], html.io)).toBe(2);
    expect(html.captured.err).toMatch(/--html is not for it.*Use --junit FILE or --json FILE with --cases/);
  });

  test('run --save-cases saves a broken guarantee as a case that replays to the same verdict', async () => {
    const dir = await tempDir();
    const flawed = await receiver('applies-every-delivery');
    const run = fakeIo();
    const args = [...flawed.flags, '--provider', 'stripe', '--seed', '3', '--only', 'idem.sequential'];
    expect(await main(['run', ...args, '--save-cases', dir], run.io)).toBe(1);
    const [name] = await readdir(dir);
    if (name === undefined) throw new Error(`no case saved:\n${run.captured.out}`);
    const file = join(dir, name);
    const saved = ScenarioCaseSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(saved).toMatchObject({ kind: 'scenario', guarantee: 'idem.sequential', seed: 3 });
    expect(run.captured.out).toContain(`Case saved: ${file}`);
    expect(run.captured.out).not.toContain(flawed.secret);

    const again = fakeIo();
    expect(await main(['replay', file, '--secret', flawed.secret], again.io)).toBe(1);
    expect(again.captured.out).toContain('Same verdict as saved (fail).');
    const fixed = await receiver('none');
    const suite = fakeIo();
    expect(await main(['run', '--cases', dir, ...fixed.flags, '--provider', 'stripe'], suite.io)).toBe(0);
    expect(suite.captured.out).toContain('1 cases handled, 0 still failing');
    // Without --clear-fixed the case stays; with it, still failing against the flawed receiver, it stays too…
    expect(await readdir(dir)).toEqual([name]);
    const stillFailing = fakeIo();
    expect(
      await main(['run', '--cases', dir, ...flawed.flags, '--provider', 'stripe', '--clear-fixed'], stillFailing.io),
    ).toBe(1);
    expect(await readdir(dir)).toEqual([name]);
    // …and once it passes, it is removed, and says so.
    const cleared = fakeIo();
    expect(
      await main(['run', '--cases', dir, ...fixed.flags, '--provider', 'stripe', '--clear-fixed'], cleared.io),
    ).toBe(0);
    expect(cleared.captured.out).toContain('fixed: case file removed (--clear-fixed)');
    expect(await readdir(dir)).toEqual([]);
  });

  test('run saves each broken guarantee as a case by default, and --no-save-cases saves none', async () => {
    const flawed = await receiver('applies-every-delivery');
    const args = [...flawed.flags, '--provider', 'stripe', '--seed', '5', '--only', 'idem.sequential'];
    const saved = fakeIo();
    expect(await main(['run', ...args], saved.io)).toBe(1);
    const file = /Case saved: (\S+)/.exec(saved.captured.out)?.[1];
    expect(file?.startsWith('.ipn-gauntlet/cases/')).toBe(true);
    try {
      expect(ScenarioCaseSchema.parse(JSON.parse(await readFile(file ?? '', 'utf8')))).toMatchObject({
        guarantee: 'idem.sequential',
        seed: 5,
      });
    } finally {
      await rm(file ?? '', { force: true });
    }
    const none = fakeIo();
    expect(await main(['run', ...args, '--no-save-cases'], none.io)).toBe(1);
    expect(none.captured.out).not.toContain('Case saved');
    const both = fakeIo();
    expect(await main(['run', ...args, '--no-save-cases', '--save-cases', 'x'], both.io)).toBe(2);
    expect(both.captured.err).toMatch(/both given/);
  });

  test('explore --verbose logs each played plan’s attempts under its play number', async () => {
    const { flags } = await receiver('none');
    const quiet = fakeIo();
    expect(await main(['explore', ...flags, '--provider', 'stripe', '--runs', '2', '--seed', '4'], quiet.io)).toBe(0);
    expect(quiet.captured.out).not.toContain('play 1:');
    const loud = fakeIo();
    const args = ['explore', ...flags, '--provider', 'stripe', '--runs', '2', '--seed', '4', '--verbose'];
    expect(await main(args, loud.io)).toBe(0);
    expect(loud.captured.out).toMatch(/play 1: pass\n(.*\n)*?--> evt_\w+ \S+/);
    expect(loud.captured.out).toMatch(/<-- \[2\d\d\] \d+ms/);
  });

  test('explore finds nothing on the receiver without a flaw and saves no case', async () => {
    const dir = await tempDir();
    const { flags } = await receiver('none');
    const { io, captured } = fakeIo();
    const code = await main(['explore', ...flags, '--provider', 'stripe', '--runs', '15', '--save', dir], io);
    expect(captured.out).toContain('PASS');
    expect(code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a file that is not a case and a missing file argument are usage errors that say what to do', async () => {
    const dir = await tempDir();
    const bogus = join(dir, 'bogus.json');
    await writeFile(bogus, JSON.stringify({ tool: 'ipn-gauntlet', plan: [] }));
    const { io, captured } = fakeIo();
    expect(await main(['replay', bogus, '--secret', 'whsec_x'], io)).toBe(2);
    expect(captured.err).toContain('IPN_ERR_CASE_INVALID');
    expect(await main(['replay', '--secret', 'whsec_x'], io)).toBe(2);
    expect(captured.err).toContain('replay needs the case file');
    expect(await main(['explore', '--provider', 'stripe'], io)).toBe(2);
    expect(captured.err).toContain('explore needs --target');
  });
});
