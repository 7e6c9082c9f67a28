import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { closestWord } from '../../contracts/did-you-mean.js';
import { main } from '../../scenarios/cli/main.js';
import { fakeIo } from '../support/fake-io.js';

/** What people expect of a command line: a version, a guess at a typo, a flag that means nothing said so, pipes. */
const receiver = ['--target', 'http://127.0.0.1:9/webhooks/stripe', '--probe', 'http://127.0.0.1:9/ipn-probe'];
const root = fileURLToPath(new URL('../..', import.meta.url));

test('--version prints the package version', async () => {
  const { io, captured } = fakeIo();
  expect(await main(['--version'], io)).toBe(0);
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  expect(captured.out).toBe(`ipn-gauntlet ${manifest.version}\n`);
});

test.each([
  [['rn'], /unknown command "rn"\. Did you mean run\?/],
  [['run', '--tragets', 'x'], /Unknown option '--tragets'\. Did you mean --target\?/],
  [['run', ...receiver, '--provider', 'strip'], /unknown provider "strip".*Did you mean stripe\?/],
  [
    ['run', ...receiver, '--provider', 'stripe', '--secret', 'whsec_00', '--only', 'idem.sequentail'],
    /"idem\.sequentail", which is not a guarantee\. Did you mean idem\.sequential\?/,
  ],
  [
    ['run', ...receiver, '--provider', 'stripe', '--secret', 'whsec_00', '--kills', '3', '--burst-events', '10'],
    /--kills, --burst-events only mean something with --receiver-cmd/,
  ],
])('%j is a usage error with exit 2 that says what was meant', async (args, message) => {
  const { io, captured } = fakeIo();
  expect(await main(args, io)).toBe(2);
  expect(captured.err).toMatch(message);
});

test('a word far from every known one gets no guess', () => {
  expect(closestWord('zzzzzz', ['target', 'probe'])).toBeUndefined();
  expect(closestWord('porbe', ['target', 'probe'])).toBe('probe');
});

test('`ipn-gauntlet guarantees | head -1` ends quietly when the reader closes the pipe', () => {
  const result = spawnSync('sh', ['-c', 'node bin/ipn-gauntlet.js guarantees | head -1'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.stdout).toBe('baseline.applied\n');
  expect(result.stderr).toBe('');
});

test('a gateway port already taken is a usage error that names the port and the fix, not a crash', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const { io, captured } = fakeIo();
    const args = ['--provider', 'paypal-ipn', '--secret', 'seller@example.com', '--gateway-port', String(port)];
    expect(await main(['run', ...receiver, ...args], io)).toBe(2);
    expect(captured.err).toMatch(
      new RegExp(
        `IPN_ERR_PORT_IN_USE: the fake gateway cannot listen on 127\\.0\\.0\\.1:${port}: something already does`,
      ),
    );
    expect(captured.err).toContain('0 picks a free one');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
