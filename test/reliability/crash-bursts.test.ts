import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import { providers } from '../../contracts/providers/index.js';
import { createReceiverProcess, type ReceiverProcess } from '../../scenarios/process/receiver-process.js';
import { runGauntlet } from '../../scenarios/runner.js';
import type { Verdict } from '../../scenarios/verdict.js';
import { compiledProject, freePort } from '../support/compiled.js';
import { watchInbox } from '../support/inbox-watch.js';
import { postgresUrl, testSchema } from '../support/postgres.js';
import { probeHeaders, TEST_PROBE_TOKEN } from '../support/probe-token.js';
import { recordFigures, sized, timeoutFor } from '../support/reliability.js';

/**
 * `consistency.no-loss` against the reference receiver as `run --receiver-cmd` drives it: a burst of signed events,
 * many in flight, SIGKILLs at seeded points, retries, a last kill and restart, redeliveries — on SQLite, on
 * PostgreSQL, and with two receiver processes on one PostgreSQL schema killed together (one process group), the
 * deliveries spread across both. Small in `npm test`; `npm run reliability` runs 3,000 events and 20 kills, 5 times each.
 */
const provider = providers.stripe;
const secret = provider.secret.generate(new Uint8Array(32).fill(9));
const EVENTS = sized('BURST_EVENTS', 240, 3_000);
const KILLS = sized('KILLS', 3, 20);
const RUNS = sized('CRASH_RUNS', 1, 5);

type Setup = 'SQLite' | 'PostgreSQL' | 'two instances on one PostgreSQL schema';
const setups: readonly Setup[] = ['SQLite', 'PostgreSQL', 'two instances on one PostgreSQL schema'];

let cli = '';
let dir = '';
beforeAll(async () => {
  cli = join(await compiledProject(), 'test', 'fixtures', 'processes', 'cli.js');
  dir = await mkdtemp(join(tmpdir(), 'ipn-crash-bursts-'));
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The receivers' ports and the command that starts them (two: the first in the background, both in one group). */
async function receiverCommand(setup: Setup, run: number) {
  const node = `"${process.execPath}" "${cli}" receiver`;
  const ports = [await freePort()];
  // Two distinct ports: a port just released may be handed out again at once.
  while (setup === 'two instances on one PostgreSQL schema' && ports.length < 2) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  if (setup === 'SQLite') {
    const db = join(dir, `run-${run}.db`);
    // DATABASE_URL emptied: a developer's own (set for the PostgreSQL tests) must not turn this into PostgreSQL.
    return { ports, command: `exec ${node} --port ${ports[0]} --db "${db}" --probe`, env: { DATABASE_URL: '' } };
  }
  const schema = await testSchema();
  const command = ports.map((port) => `${node} --port ${port} --schema ${schema} --probe`).join(' & exec ');
  return { ports, command: ports.length > 1 ? command : `exec ${command}`, env: { DATABASE_URL: postgresUrl() } };
}

/**
 * Every instance answers its probe's health with the token, as the reference receiver does (the second is waited for:
 * readiness is checked on the first only). A port handed to another process between freePort() and the receiver's
 * listen would otherwise pass for ready and fail the run as unreachable.
 */
async function expectOurReceivers(bases: readonly string[]): Promise<void> {
  for (const base of bases) {
    let answer = '';
    for (let tries = 0; tries < 150 && !answer.includes('inboxPending'); tries += 1) {
      answer = await request(`${base}/ipn-probe/health`, { headers: probeHeaders, signal: AbortSignal.timeout(1_000) })
        .then((r) => r.body.text())
        .catch(() => '');
      if (!answer.includes('inboxPending')) await delay(100);
    }
    expect(answer, `${base} is not the reference receiver started for this run (a port taken meanwhile?)`).toMatch(
      /"inboxPending":\d+/,
    );
  }
}

/** The orders a finding shows applied twice (a fulfilment or refund more than the rule's) and those it shows behind. */
function tally(verdict: Verdict | undefined) {
  const states = verdict?.findings.filter((f) => f.reason === 'state.differs') ?? [];
  const twice = states.filter(
    (f) =>
      f.observed !== null &&
      f.expected !== null &&
      (f.observed.fulfillments > f.expected.fulfillments || f.observed.refunds > f.expected.refunds),
  );
  return {
    lost: states.length - twice.length,
    twice: twice.length,
    unacknowledged: verdict?.findings.filter((f) => f.reason === 'burst.not-acknowledged').length ?? 0,
  };
}

const cases = setups.flatMap((setup) => Array.from({ length: RUNS }, (_, i) => [setup, i + 1] as const));

test.each(cases)(
  `the reference receiver (%s) passes consistency.no-loss: ${EVENTS} events, ${KILLS} SIGKILLs, run %i of ${RUNS}`,
  async (setup, run) => {
    const seed = 900 + setups.indexOf(setup) * 100 + run;
    const { ports, command, env } = await receiverCommand(setup, run);
    const bases = ports.map((port) => `http://127.0.0.1:${port}`);
    const [base = '', ...others] = bases;
    const receiverProcess: ReceiverProcess = createReceiverProcess({
      command,
      env: { ...env, [provider.secretEnv]: secret, [PROBE_TOKEN_ENV]: TEST_PROBE_TOKEN, LOG_LEVEL: 'silent' },
      readyUrl: `${base}/ipn-probe/health`,
    });
    onTestFinished(() => receiverProcess.stop());
    await receiverProcess.start();
    await expectOurReceivers(bases);
    const watch = watchInbox(`${base}/ipn-probe`, TEST_PROBE_TOKEN);
    // Each restart is marked: the last one is the restart before the check, when the gauntlet starts waiting.
    const marked: ReceiverProcess = {
      start: () => receiverProcess.start(),
      kill: () => receiverProcess.kill(),
      stop: () => receiverProcess.stop(),
      restart: () => receiverProcess.restart().then(() => watch.mark()),
      get kills() {
        return receiverProcess.kills;
      },
    };
    const report = await runGauntlet({
      target: `${base}/webhooks/${provider.route}`,
      otherTargets: others.map((b) => `${b}/webhooks/${provider.route}`),
      probe: `${base}/ipn-probe`,
      probeToken: TEST_PROBE_TOKEN,
      provider,
      secret,
      seed,
      runId: `cb${seed}`,
      only: ['consistency.no-loss'],
      receiverProcess: marked,
      chaos: { burstEvents: EVENTS, kills: KILLS },
      replayCommand: (g) => g,
    });
    const inbox = await watch.stop();
    const verdict = report.results[0];
    const { lost, twice, unacknowledged } = tally(verdict);
    await recordFigures('crash bursts', {
      setup,
      run,
      seed: String(seed),
      // The burst completes whole orders: a few events more than asked.
      'events asked': EVENTS,
      kills: receiverProcess.kills,
      deliveries: verdict?.deliveries ?? 0,
      lost,
      'applied twice': twice,
      'not acknowledged': unacknowledged,
      verdict: verdict?.status ?? 'none',
      'duration s': Math.round((verdict?.durationMs ?? 0) / 100) / 10,
      'peak pending': inbox.peakPending,
      'pending after the last restart': inbox.pendingAfterLastMark ?? '—',
      'drained after it, s':
        inbox.drainedAfterLastMarkMs === null ? '—' : Math.round(inbox.drainedAfterLastMarkMs / 100) / 10,
    });

    // Every planned kill happened, plus the one before the check.
    expect(receiverProcess.kills).toBe(KILLS + 1);
    expect(verdict?.findings.map((f) => f.problem)).toEqual([]);
    expect(verdict?.status).toBe('pass');
  },
  timeoutFor(EVENTS, 80),
);
