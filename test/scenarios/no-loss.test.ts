import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import { providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { createReceiverProcess, type ReceiverProcess } from '../../scenarios/process/receiver-process.js';
import { runGauntlet } from '../../scenarios/runner.js';
import type { CrashFlaw } from '../fixtures/journaled-receiver.js';
import { compiledProject, freePort } from '../support/compiled.js';
import { fakeIo } from '../support/fake-io.js';
import { TEST_PROBE_TOKEN } from '../support/probe-token.js';

const provider = providers.stripe;
const secret = provider.secret.generate(new Uint8Array(32).fill(4));
/** Small enough for a shared 2-core machine; the CLI's defaults are 5,000 events and 20 kills. */
const chaos = { burstEvents: 240, kills: 3 };

let compiled = '';
let dir = '';
const running: ReceiverProcess[] = [];

beforeAll(async () => {
  compiled = await compiledProject();
  dir = await mkdtemp(join(tmpdir(), 'ipn-no-loss-'));
}, 120_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gauntlet(command: string, env: Record<string, string>, port: number, seed: number) {
  const base = `http://127.0.0.1:${port}`;
  const receiverProcess = createReceiverProcess({ command, env, readyUrl: `${base}/ipn-probe/health` });
  running.push(receiverProcess);
  await receiverProcess.start();
  const report = await runGauntlet({
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider,
    secret,
    seed,
    runId: `nl${seed}`,
    only: ['consistency.no-loss'],
    receiverProcess,
    chaos,
    replayCommand: (g) => g,
  });
  return { verdict: report.results[0], kills: receiverProcess.kills };
}

async function journaled(flaw: CrashFlaw | 'none', seed: number) {
  const port = await freePort();
  const script = join(compiled, 'test', 'fixtures', 'processes', 'journaled-receiver.js');
  return gauntlet(
    `exec "${process.execPath}" "${script}"`,
    {
      FIXTURE_PROVIDER: provider.id,
      FIXTURE_SECRET: secret,
      FIXTURE_JOURNAL: join(dir, `${flaw}-${seed}.jsonl`),
      FIXTURE_FLAW: flaw,
      FIXTURE_PORT: String(port),
    },
    port,
    seed,
  );
}

describe('consistency.no-loss', () => {
  test('the reference receiver on SQLite loses nothing and applies nothing twice across SIGKILLs', async () => {
    const port = await freePort();
    const cli = join(compiled, 'test', 'fixtures', 'processes', 'cli.js');
    const db = join(dir, 'reference.db');
    const { verdict, kills } = await gauntlet(
      `exec "${process.execPath}" "${cli}" receiver --port ${port} --db "${db}" --probe`,
      // DATABASE_URL emptied: a developer's own (set for the PostgreSQL tests) must not turn this into PostgreSQL.
      { [provider.secretEnv]: secret, LOG_LEVEL: 'silent', [PROBE_TOKEN_ENV]: TEST_PROBE_TOKEN, DATABASE_URL: '' },
      port,
      11,
    );
    expect(kills).toBe(chaos.kills + 1);
    expect(verdict?.findings.map((f) => f.problem)).toEqual([]);
    expect(verdict?.status).toBe('pass');
  }, 120_000);

  test('a durable receiver with an fsynced journal passes', async () => {
    const { verdict } = await journaled('none', 12);
    expect(verdict?.findings.map((f) => f.problem)).toEqual([]);
    expect(verdict?.status).toBe('pass');
  });

  test.each([
    ['ack-before-commit', /expected/],
    ['in-memory-dedupe', /fulfillments|refunds/],
  ] as const)('a receiver with the crash flaw %s is caught', async (flaw, evidence) => {
    const { verdict } = await journaled(flaw, 13);
    expect(verdict?.status).toBe('fail');
    expect(verdict?.findings.some((f) => evidence.test(f.problem))).toBe(true);
  });

  test('run --receiver-cmd starts the receiver, kills it during the burst, and prints a replay command that does too', async () => {
    const port = await freePort();
    const script = join(compiled, 'test', 'fixtures', 'processes', 'journaled-receiver.js');
    const base = `http://127.0.0.1:${port}`;
    const { io, captured } = fakeIo({
      FIXTURE_PROVIDER: provider.id,
      FIXTURE_SECRET: secret,
      FIXTURE_JOURNAL: join(dir, 'cli.jsonl'),
      FIXTURE_FLAW: 'ack-before-commit',
      FIXTURE_PORT: String(port),
    });
    const code = await main(
      [
        'run',
        ...['--target', `${base}/webhooks/${provider.route}`, '--probe', `${base}/ipn-probe`],
        ...['--provider', provider.id, '--secret', secret, '--only', 'consistency.no-loss'],
        ...['--receiver-cmd', `exec "${process.execPath}" "${script}"`, '--burst-events', '120', '--kills', '2'],
      ],
      io,
    );
    expect(captured.err).toBe('');
    expect(code).toBe(1);
    expect(captured.out).toContain('Starting the receiver');
    expect(captured.out).toMatch(/FAIL\s+consistency\.no-loss/);
    expect(captured.out).toMatch(
      /replay: .*--receiver-cmd '[^']*journaled-receiver\.js"' --burst-events 120 --kills 2/,
    );
  }, 120_000);

  test('asking for the crash scenario without --receiver-cmd is a usage error that names the flags', async () => {
    const { io, captured } = fakeIo();
    const code = await main(
      [
        'run',
        ...['--target', 'http://127.0.0.1:9/webhooks/stripe', '--probe', 'http://127.0.0.1:9/ipn-probe'],
        ...['--provider', provider.id, '--secret', secret, '--only', 'consistency.no-loss'],
      ],
      io,
    );
    expect(code).toBe(2);
    expect(captured.err).toMatch(
      /IPN_ERR_USAGE: consistency\.no-loss kills and restarts the receiver.*--receiver-cmd/s,
    );
  });
});
