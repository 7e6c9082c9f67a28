/**
 * The package as a user gets it: `npm pack`, installed into an empty project (test/package/packed-project.ts), then
 * the command, the typed API and every entry point run from there. Needs dist/ built (`npm run build`); the pack's own
 * build finds nothing to do.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { installPacked, type PackedTarball, packInto, repoRoot } from './packed-project.js';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'ipn-gauntlet-tarball-'));
const project = join(work, 'project');
const sqlite = join(project, 'node_modules/better-sqlite3');
const manifestBefore = readFileSync(join(repoRoot, 'package.json'), 'utf8');
let tarball: PackedTarball;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command in the project, as the user types it; a non-zero exit is an outcome, not a throw. */
async function inProject(command: string, args: readonly string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await exec(command, [...args], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs an ES module written into the project (it imports the package by name). */
async function script(name: string, source: string, nodeFlags: readonly string[] = []): Promise<Outcome> {
  writeFileSync(join(project, name), source);
  return inProject(process.execPath, [...nodeFlags, name]);
}

/** better-sqlite3 as if never installed, for the duration of `body`: moved aside, then back. */
async function withoutSqlite<T>(body: () => Promise<T>): Promise<T> {
  renameSync(sqlite, `${sqlite}.aside`);
  try {
    return await body();
  } finally {
    renameSync(`${sqlite}.aside`, sqlite);
  }
}

beforeAll(async () => {
  tarball = await packInto(work);
  await exec('mkdir', ['-p', project]);
  // pg and mysql2 are left out: optional peers a user installs only for a SQL probe on those databases.
  await installPacked(tarball, project, ['better-sqlite3', 'msw', 'vitest']);
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test('the tarball ships the signing vectors and the LICENSE, and no source maps', () => {
  expect(tarball.files).toContain('dist/contracts/vectors/stripe.json');
  expect(tarball.files).toContain('LICENSE');
  expect(
    tarball.files.filter((file) => file.endsWith('.map') || (file.endsWith('.ts') && !file.endsWith('.d.ts'))),
  ).toEqual([]);
  expect(tarball.files.filter((file) => file.endsWith('.tsbuildinfo'))).toEqual([]);
});

test('the packed manifest has no scripts, devDependencies or allowScripts, and the repository manifest is restored', () => {
  const packed = JSON.parse(readFileSync(join(project, 'node_modules/ipn-gauntlet/package.json'), 'utf8'));
  expect(Object.keys(packed)).not.toEqual(expect.arrayContaining(['scripts']));
  expect([packed.scripts, packed.devDependencies, packed.allowScripts]).toEqual([undefined, undefined, undefined]);
  expect(packed.peerDependenciesMeta['better-sqlite3']).toEqual({ optional: true });
  expect(readFileSync(join(repoRoot, 'package.json'), 'utf8')).toBe(manifestBefore);
});

test('without any database driver installed, the command, the typed API, sign, contracts and msw work', async () => {
  await withoutSqlite(async () => {
    expect(existsSync(sqlite)).toBe(false);
    const version = await inProject('npx', ['--no-install', 'ipn-gauntlet', '--version']);
    expect(version).toMatchObject({ code: 0, stdout: 'ipn-gauntlet 0.1.0\n' });
    const entries = await script(
      'entries.mjs',
      `import { gauntlet, providers } from 'ipn-gauntlet';
import { signingVectors, providerById } from 'ipn-gauntlet/contracts';
import { signedPayment } from 'ipn-gauntlet/sign';
import { gatewayHandlers } from 'ipn-gauntlet/msw';
const request = signedPayment({ provider: 'stripe', secret: 'whsec_packed', orderId: 'ord_1', amount: '9.99', currency: 'USD' });
const vector = signingVectors('stripe')[0];
const stripe = providerById('stripe');
const verdict = stripe.verify({ headers: vector.headers, body: new TextEncoder().encode(vector.body), secret: vector.secrets.at(-1), nowSeconds: vector.timestamp });
console.log(JSON.stringify({
  run: typeof gauntlet.run,
  providers: Object.keys(providers).length,
  signed: Object.keys(request.headers).includes('stripe-signature'),
  vectors: signingVectors('stripe').length > 0,
  vectorVerifies: verdict.ok,
  handlers: gatewayHandlers({ seed: 1, providers: ['stripe'] }).length > 0,
}));
`,
    );
    expect(entries.stderr).toBe('');
    expect(JSON.parse(entries.stdout)).toEqual({
      run: 'function',
      providers: 11,
      signed: true,
      vectors: true,
      vectorVerifies: true,
      handlers: true,
    });
  });
}, 60_000);

test('trigger runs from the installed package: one signed Stripe event, printed as the curl that sends it', async () => {
  const printed = await inProject('npx', [
    '--no-install',
    'ipn-gauntlet',
    'trigger',
    'stripe',
    'payment_intent.succeeded',
    '--secret',
    'whsec_packedtrigger0123456789',
    '--target',
    'http://127.0.0.1:9/webhooks/stripe',
    '--print',
    '--seed',
    '3',
  ]);
  expect(printed.stderr).toMatch(/^# Stripe payment_intent\.succeeded evt_\w+ \(seed 3\)/);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toMatch(/^curl -sS 'http:\/\/127\.0\.0\.1:9\/webhooks\/stripe'/m);
  expect(printed.stdout).toMatch(/-H 'stripe-signature: t=\d+,v1=[0-9a-f]{64}'/);
  expect(printed.stdout + printed.stderr).not.toContain('whsec_packedtrigger0123456789');
}, 60_000);

test('demo without better-sqlite3 stops with IPN_ERR_DEPENDENCY_MISSING and the npm install that fixes it', async () => {
  const demo = await withoutSqlite(() => inProject('npx', ['--no-install', 'ipn-gauntlet', 'demo']));
  expect(demo.code).toBe(2);
  expect(demo.stderr).toContain('IPN_ERR_DEPENDENCY_MISSING');
  expect(demo.stderr).toContain('npm install better-sqlite3');
}, 60_000);

test('with better-sqlite3 installed, npx ipn-gauntlet demo holds every guarantee for all 11 providers', async () => {
  const demo = await inProject('npx', ['--no-install', 'ipn-gauntlet', 'demo']);
  expect(demo.stderr).not.toContain('Error');
  expect(demo.code).toBe(0);
  const held = demo.stdout.match(/(\d+) of (\d+) guarantees held/);
  expect(held?.[1]).toBe(held?.[2]);
  for (const title of ['Stripe', 'PayPal', 'Adyen', 'Mollie', 'Square']) expect(demo.stdout).toContain(title);
}, 90_000);

test('a stack trace from the installed package names only files that exist, even with source maps enabled', async () => {
  const thrown = await script(
    'stack.mjs',
    `import { gauntlet } from 'ipn-gauntlet';
try { await gauntlet.run({ provider: 'no-such-gateway' }); } catch (error) { console.log(error.stack); }
`,
    ['--enable-source-maps'],
  );
  const files = [...thrown.stdout.matchAll(/(?:file:\/\/)?(\/[^\s():]+\.[cm]?[jt]s)/g)].map((m) => m[1] ?? '');
  expect(files.length).toBeGreaterThan(0);
  expect(files.filter((file) => file.includes('node_modules/ipn-gauntlet/')).length).toBeGreaterThan(0);
  expect(files.filter((file) => !existsSync(file))).toEqual([]);
});

test('the typed API type-checks in the project, and a wrong option is a type error', async () => {
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['typed.ts', 'mistyped.ts'],
    }),
  );
  writeFileSync(
    join(project, 'typed.ts'),
    `import { gauntlet } from 'ipn-gauntlet';
import { signedPayment } from 'ipn-gauntlet/sign';
export const report = gauntlet.run({ target: 'http://127.0.0.1:3000/webhooks/stripe', probe: 'http://127.0.0.1:3000/ipn-probe', provider: 'stripe', secret: 'whsec_x', seed: 1, runId: 'ci1' });
export const request: { headers: Record<string, string> } = signedPayment({ provider: 'stripe', secret: 'whsec_x', orderId: 'o', amount: '1.00', currency: 'USD' });
`,
  );
  writeFileSync(
    join(project, 'mistyped.ts'),
    `import { gauntlet } from 'ipn-gauntlet';\nexport const broken = gauntlet.run({ seed: 'one' });\n`,
  );
  const tsc = await inProject(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  const errorFiles = [...tsc.stdout.matchAll(/^(\S+\.ts)\(\d+,\d+\): error/gm)].map((m) => m[1]);
  expect(new Set(errorFiles)).toEqual(new Set(['mistyped.ts']));
}, 60_000);

test("the vitest entry runs in the project's own vitest", async () => {
  writeFileSync(
    join(project, 'entry.test.mjs'),
    `import { describeGuarantees } from 'ipn-gauntlet/vitest';
import { expect, test } from 'vitest';
test('describeGuarantees is the entry point', () => { expect(typeof describeGuarantees).toBe('function'); });
`,
  );
  const vitest = await inProject('npx', ['--no-install', 'vitest', 'run', 'entry.test.mjs']);
  expect(`${vitest.stdout}${vitest.stderr}`).toMatch(/1 passed/);
  expect(vitest.code).toBe(0);
}, 60_000);
