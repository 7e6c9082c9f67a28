import { beforeAll, expect, onTestFinished, test } from 'vitest';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import { providers } from '../../contracts/providers/index.js';
import { createReceiverProcess } from '../../scenarios/process/receiver-process.js';
import { runGauntlet } from '../../scenarios/runner.js';
import { compiledProject, freePort } from '../support/compiled.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { TEST_PROBE_TOKEN } from '../support/probe-token.js';

const provider = providers.stripe;
const secret = provider.secret.generate(new Uint8Array(32).fill(5));
let compiled = '';

beforeAll(async () => {
  compiled = await compiledProject();
}, 120_000);

test('the reference receiver on PostgreSQL loses nothing and applies nothing twice across SIGKILLs', async () => {
  const schema = await testSchema();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const cli = `${compiled}/test/fixtures/processes/cli.js`;
  const receiverProcess = createReceiverProcess({
    command: `exec "${process.execPath}" "${cli}" receiver --port ${port} --schema ${schema} --probe`,
    env: {
      [provider.secretEnv]: secret,
      LOG_LEVEL: 'silent',
      DATABASE_URL: postgresUrl(),
      [PROBE_TOKEN_ENV]: TEST_PROBE_TOKEN,
    },
    readyUrl: `${base}/ipn-probe/health`,
  });
  onTestFinished(() => receiverProcess.stop());
  await receiverProcess.start();
  const report = await runGauntlet({
    target: `${base}/webhooks/${provider.route}`,
    probe: `${base}/ipn-probe`,
    probeToken: TEST_PROBE_TOKEN,
    provider,
    secret,
    seed: 21,
    runId: 'pgcrash21',
    only: ['consistency.no-loss'],
    receiverProcess,
    chaos: { burstEvents: 240, kills: 3 },
    replayCommand: (g) => g,
  });
  const verdict = report.results[0];
  expect(receiverProcess.kills).toBe(4);
  expect(verdict?.findings.map((f) => f.problem)).toEqual([]);
  expect(verdict?.status).toBe('pass');
}, 120_000);
