import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

/** `run --reporter github`: an annotation per guarantee that did not hold, and a job summary table. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(5));

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-github-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function stripeReceiver(flaw: Flaw | 'none'): Promise<string[]> {
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  return ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
}

const annotations = (out: string) => out.split('\n').filter((line) => line.startsWith('::'));

test('a receiver that accepts forgeries gets an ::error on auth.forged-rejected with its reason, and the summary says so', async () => {
  const dir = await folder();
  const summary = join(dir, 'step-summary.md');
  await writeFile(summary, '# earlier step\n');
  // A config file in the working directory: the annotations point at it.
  await writeFile(join(dir, 'ipn-gauntlet.config.json'), JSON.stringify({ seed: 11 }));
  const { io, captured } = fakeIo({ GITHUB_STEP_SUMMARY: summary });
  const only = ['--only', 'auth.forged-rejected,auth.replay-window'];
  const args = [...(await stripeReceiver('no-verification')), '--secret', secret, ...only, '--reporter', 'github'];
  expect(await main(['run', ...args], { ...io, cwd: dir })).toBe(1);

  const lines = annotations(captured.out);
  expect(lines.filter((line) => line.startsWith('::error '))).toHaveLength(1);
  const error = lines.find((line) => line.startsWith('::error ')) ?? '';
  expect(error).toMatch(
    /^::error file=ipn-gauntlet\.config\.json,title=auth\.forged-rejected broke \(stripe\)::Forged deliveries are rejected: /,
  );
  // One line: the findings, where to look and the replay joined by an escaped newline.
  expect(error).toContain('%0A[answer.accepted-forged] ');
  expect(error).toMatch(/%0Areplay: npx ipn-gauntlet run .*--seed 11 --only auth\.forged-rejected$/);
  // What builds on the broken guarantee is not judged: a warning, not an error.
  expect(lines.filter((line) => line.startsWith('::warning '))).toEqual([
    expect.stringMatching(
      /^::warning file=ipn-gauntlet\.config\.json,title=auth\.replay-window not judged \(stripe\)::/,
    ),
  ]);
  expect(captured.out).not.toContain(secret);

  const written = await readFile(summary, 'utf8');
  expect(written.startsWith('# earlier step\n## ipn-gauntlet: 0 of 2 guarantees held, 1 broken, 1 not judged\n')).toBe(
    true,
  );
  expect(written).toMatch(
    /^\| stripe \| `auth\.forged-rejected` .* \| ❌ broken \| \d+ \| answer\.accepted-forged \|$/m,
  );
  expect(written).toMatch(/^\| stripe \| `auth\.replay-window` .* \| ⚠️ not judged \| \d+ \| .+ \|$/m);
  expect(written).toContain('### ❌ auth.forged-rejected (stripe, seed 11)');
  expect(written).not.toContain(secret);
});

test('a run where every guarantee held writes no annotation, and a summary that says all held', async () => {
  const dir = await folder();
  const summary = join(dir, 'step-summary.md');
  const { io, captured } = fakeIo({ GITHUB_STEP_SUMMARY: summary });
  const args = [...(await stripeReceiver('none')), '--secret', secret, '--only', 'idem.sequential'];
  expect(await main(['run', ...args, '--reporter', 'github'], { ...io, cwd: dir })).toBe(0);
  expect(annotations(captured.out)).toEqual([]);
  const written = await readFile(summary, 'utf8');
  expect(written).toMatch(/^## ipn-gauntlet: 1 of 1 guarantees held\n/);
  expect(written).toMatch(/^\| stripe \| `idem\.sequential` .* \| ✅ held \| \d+ \| {2}\|$/m);
});

test('without --reporter github a broken run prints no workflow command', async () => {
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('no-verification')), '--secret', secret, '--only', 'auth.forged-rejected'];
  expect(await main(['run', ...args], io)).toBe(1);
  expect(captured.out).toContain('FAIL');
  expect(annotations(captured.out)).toEqual([]);
});

test('an unknown reporter is a usage error that names the one there is', async () => {
  const { io, captured } = fakeIo();
  const args = [...(await stripeReceiver('none')), '--secret', secret, '--reporter', 'githbu'];
  expect(await main(['run', ...args], io)).toBe(2);
  expect(captured.err).toMatch(
    /IPN_ERR_USAGE: --reporter githbu is not a reporter; there is: github\. Did you mean github\?/,
  );
});
