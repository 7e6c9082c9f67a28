import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { listenOnLoopback } from '../support/listen.js';

/** `run --junit FILE`: a guarantee without a pass or a failure is `<skipped>` with the reason it was not judged. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
});

const secret = providers.stripe.secret.generate(new Uint8Array(32).fill(6));

/** The JUnit report of a run against a flawed Stripe receiver, and the exit code. */
async function junitOf(flaw: Flaw | 'none', ...more: string[]): Promise<{ code: number; xml: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-junit-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const app = buildFlawedReceiver({ provider: 'stripe', secret, flaw });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const file = join(dir, 'junit.xml');
  const receiver = ['--target', `${base}/webhooks/stripe`, '--probe', `${base}/ipn-probe`, '--provider', 'stripe'];
  const { io } = fakeIo();
  const code = await main(['run', ...receiver, '--secret', secret, '--seed', '3', '--junit', file, ...more], io);
  return { code, xml: await readFile(file, 'utf8') };
}

/** Each test case by guarantee id: `pass`, `failure <type>` or `skipped <message>`. */
function cases(xml: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, id = '', inner = ''] of xml.matchAll(
    /<testcase [^>]*name="([\w.-]+): [^"]*"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g,
  )) {
    const skipped = /<skipped message="([^"]*)"\/>/.exec(inner)?.[1];
    const failure = /<failure [^>]*type="([^"]*)"/.exec(inner)?.[1];
    found[id] = skipped !== undefined ? `skipped ${skipped}` : failure !== undefined ? `failure ${failure}` : 'pass';
  }
  return found;
}

test('a whole run lists the guarantees no scenario checks for the provider as skipped, each with why', async () => {
  const { code, xml } = await junitOf('none');
  expect(code).toBe(0);
  const byId = cases(xml);
  expect(byId['auth.verified-postback']).toBe(
    'skipped not applicable: no scenario checks auth.verified-postback for stripe',
  );
  expect(byId['auth.crc-not-an-oracle']).toBe(
    'skipped not applicable: no scenario checks auth.crc-not-an-oracle for stripe',
  );
  expect(byId['consistency.no-loss']).toMatch(
    /^skipped not run: consistency\.no-loss kills and restarts the receiver.*--receiver-cmd/,
  );
  expect(byId['idem.sequential']).toBe('pass');
  // The counts include them: every guarantee is a test case.
  const skipped = Object.values(byId).filter((c) => c.startsWith('skipped')).length;
  expect(xml).toContain(
    `<testsuite name="ipn-gauntlet stripe" tests="${Object.keys(byId).length}" failures="0" errors="0" skipped="${skipped}"`,
  );
});

test('a guarantee not judged is skipped with its reason; one --only left out is not listed at all', async () => {
  const { code, xml } = await junitOf('no-verification', '--only', 'auth.forged-rejected,auth.replay-window');
  expect(code).toBe(1);
  const byId = cases(xml);
  expect(byId['auth.forged-rejected']).toBe('failure auth.forged-rejected');
  expect(byId['auth.replay-window']).toBe(
    'skipped the state is not judged: auth.forged-rejected failed, and what it breaks shows here too',
  );
  expect(byId['auth.verified-postback']).toMatch(/^skipped not applicable: /);
  expect(byId['idem.sequential']).toBeUndefined();
  expect(xml).toMatch(/<testsuite name="ipn-gauntlet stripe" tests="\d+" failures="1" errors="0" skipped="\d+"/);
});
