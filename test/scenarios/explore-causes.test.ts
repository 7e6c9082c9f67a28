import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import { type ProviderId, providers } from '../../contracts/providers/index.js';
import { main } from '../../scenarios/cli/main.js';
import { type ExploreCase, ExploreCaseSchema } from '../../scenarios/explore/case-file.js';
import type { ExplorePlan } from '../../scenarios/explore/plan-model.js';
import { type PlanOutcome, playPlan } from '../../scenarios/explore/play-plan.js';
import { createProbeClient } from '../../scenarios/probe-client.js';
import { defaultSettle } from '../../scenarios/settle.js';
import { buildFlawedReceiver, type Flaw } from '../fixtures/flawed-receiver.js';
import { fakeIo } from '../support/fake-io.js';
import { freePort } from '../support/free-port.js';
import { listenOnLoopback } from '../support/listen.js';
import { buildTwoBugReceiver } from './explore-receivers.js';
import { exploreSmall, flawedTarget } from './explore-support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipn-causes-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function twoBugs() {
  const target = await flawedTarget('stripe', 'none', ({ secret }) =>
    buildTwoBugReceiver({ provider: 'stripe', secret }),
  );
  cleanups.push(target.close);
  const flags = ['--target', target.options.target, '--probe', target.options.probe, '--secret', target.secret];
  return { ...target, flags: [...flags, '--provider', 'stripe'] };
}

async function savedCases(dir: string): Promise<ExploreCase[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(
    names.map(async (name) => ExploreCaseSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8')))),
  );
}

/** The fault kinds a play sent. */
const faultsSent = (outcome: PlanOutcome) =>
  outcome.steps.flatMap(({ step }) => step.deliveries.flatMap((d) => (d.fault === null ? [] : [d.fault.kind])));

describe('explore reports distinct root causes', () => {
  test('a receiver with two unrelated bugs gets two root causes, each with its own plan, where to look and case file', async () => {
    const { flags } = await twoBugs();
    const dir = await tempDir();
    const { io, captured } = fakeIo();
    const code = await main(['explore', ...flags, '--seed', '4', '--runs', '40', '--save', dir], io);
    expect(code).toBe(1);
    expect(captured.out).toContain('FAIL  2 distinct root causes');
    expect(captured.out).toMatch(/1\. (auth\.forged-rejected|idem\.sequential) {2}/);
    expect(captured.out).toMatch(/2\. (auth\.forged-rejected|idem\.sequential) {2}/);
    expect(captured.out).toContain('Where to look: Record each event under the provider');
    expect(captured.out).toContain('Where to look: Verify the signature over the exact raw bytes');

    const cases = await savedCases(dir);
    expect(cases.map((c) => c.cause?.guarantee).sort()).toEqual(['auth.forged-rejected', 'idem.sequential']);
    const [first, second] = [...cases].sort((a, b) => a.exclude.length - b.exclude.length);
    if (first?.cause == null || second?.cause == null) throw new Error('two causes expected');
    // The second was searched for with the first left out: none of its faults, none of its failures.
    expect(first.exclude).toEqual([]);
    expect(second.exclude).toEqual([first.cause.guarantee]);
    const forged = cases.find((c) => c.cause?.guarantee === 'auth.forged-rejected');
    const duplicated = cases.find((c) => c.cause?.guarantee === 'idem.sequential');
    expect(forged?.cause?.reason).toBe('answer.accepted-forged');
    expect(forged?.plan.ops.some((op) => op.op === 'forged')).toBe(true);
    expect(duplicated?.cause?.reason).toBe('state.differs');
    expect(duplicated?.verdict.problems.join('\n')).toMatch(/fulfilled \d+ times|refunds ran, expected/);
    expect(duplicated?.plan.ops.some((op) => op.op === 'forged' && second.cause?.guarantee === 'idem.sequential')).toBe(
      false,
    );
  });

  test('--exclude leaves a guarantee out: its faults (and those of guarantees built on it) are never sent', async () => {
    const target = await twoBugs();
    const sent = new Set<string>();
    const result = await exploreSmall(target, {
      seed: 4,
      exclude: ['auth.forged-rejected'],
      onPlay: (_, outcome) => {
        for (const kind of faultsSent(outcome)) sent.add(kind);
      },
    });
    expect(result.causes.map((c) => c.guarantee)).toEqual(['idem.sequential']);
    expect(sent.has('forged')).toBe(false);
    // auth.replay-window builds on auth.forged-rejected: left out with it.
    expect(sent.has('replayed')).toBe(false);
    expect(sent.has('duplicate')).toBe(true);
  });

  test('--exclude leaves faults out: a plan with neither forgeries nor same-bytes duplicates finds what is left', async () => {
    const target = await twoBugs();
    const sent = new Set<string>();
    const result = await exploreSmall(target, {
      seed: 4,
      exclude: ['forged', 'duplicate', 'concurrent'],
      onPlay: (_, outcome) => {
        for (const kind of faultsSent(outcome)) sent.add(kind);
      },
    });
    expect([...sent].filter((kind) => ['forged', 'duplicate', 'concurrent'].includes(kind))).toEqual([]);
    // Without forgeries the fail-open bug cannot show; re-signed copies still show the missing deduplication.
    expect(result.causes.map((c) => c.guarantee)).toEqual(['idem.resigned']);
  });

  test('an unknown --exclude name is a usage error that lists the names explore knows', async () => {
    const { flags } = await twoBugs();
    const { io, captured } = fakeIo();
    expect(await main(['explore', ...flags, '--exclude', 'forged,idem.concurent'], io)).toBe(2);
    expect(captured.err).toContain('IPN_ERR_USAGE');
    expect(captured.err).toContain('--exclude names "idem.concurent", which explore does not know');
    expect(captured.err).toContain('Faults: forged, replayed, duplicate');
    expect(captured.err).toContain('Guarantees: baseline.applied, auth.forged-rejected');
  });

  test('on a terminal the search shows a progress line, cleared before the verdict', async () => {
    const { flags } = await twoBugs();
    const { io, captured } = fakeIo({ NO_COLOR: '1' });
    const tty = { ...io, stdout: { ...io.stdout, isTTY: true } };
    await main(['explore', ...flags, '--seed', '4', '--runs', '10', '--save', await tempDir()], tty);
    // Each progress line overwrites the last one (carriage return, erase line); the verdict erases the last one.
    const erase = '\r\u001b[2K';
    const lines = captured.out.split(erase).slice(1);
    expect(
      lines.some((line) => /^ {2}(searching|shrinking a failing plan)… \d+\/10 random plans, \d+ plays/.test(line)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(/^ {2}FAIL/);
  });
});

/** A port free a moment ago, for the gateway explore starts (the receiver must know its URL first). */

/** A flawed receiver configured with a gateway URL on a free port, for `explore --gateway-port` to serve. */
async function askingReceiver(provider: ProviderId, flaw: Flaw | 'none') {
  const port = await freePort();
  const secret = providers[provider].secret.generate(new Uint8Array(32).fill(5));
  const app = buildFlawedReceiver({ provider, secret, flaw, gatewayUrl: `http://127.0.0.1:${port}` });
  const base = await listenOnLoopback(app);
  cleanups.push(() => app.close());
  const flags = ['--target', `${base}/webhooks/${provider}`, '--probe', `${base}/ipn-probe`, '--provider', provider];
  return { port, flags: [...flags, '--secret', secret, '--gateway-port', String(port)] };
}

describe('explore starts the fake gateway for receivers that ask it', () => {
  test('PayPal IPN: the gateway answers the postbacks, and the receiver that skips them is caught', async () => {
    const { port, flags } = await askingReceiver('paypal-ipn', 'no-postback');
    const { io, captured } = fakeIo();
    const code = await main(['explore', ...flags, '--seed', '4', '--runs', '40', '--save', await tempDir()], io);
    expect(captured.out).toContain(
      `Fake gateway at http://127.0.0.1:${port} (POST http://127.0.0.1:${port}/cgi-bin/webscr`,
    );
    expect(captured.out).toMatch(/1\. auth\.verified-postback {2}Only gateway-verified IPNs are applied/);
    expect(captured.out).toContain('Where to look: Post the exact bytes received back to the gateway');
    // replay does not start a gateway: the search itself is replayed.
    expect(captured.out).toMatch(
      /Replay: npx ipn-gauntlet explore .* --provider paypal-ipn .*--seed 4 --path \S+ --gateway-port/,
    );
    expect(code).toBe(1);
  });

  test.each(['paypal-ipn', 'mollie'] as const)('%s: the correct receiver passes', async (provider) => {
    const { flags } = await askingReceiver(provider, 'none');
    const { io, captured } = fakeIo();
    const code = await main(['explore', ...flags, '--runs', '20', '--save', await tempDir()], io);
    expect(captured.err).toBe('');
    expect(captured.out).toContain('PASS  no failing plan in 20 random plans');
    expect(code).toBe(0);
  });

  test('each play draws its forgeries afresh: a Mollie plan played twice against one receiver fails twice', async () => {
    const target = await flawedTarget('mollie', 'trusts-posted-fields');
    cleanups.push(target.close);
    // A failed order, then a forger posting its payment's fields under an id never issued, status claimed paid.
    const plan: ExplorePlan = {
      worldSeed: 12,
      orders: ['failed'],
      ops: [
        { op: 'deliver', order: 0, event: 0 },
        { op: 'deliver', order: 0, event: 1 },
        {
          op: 'forged',
          order: 0,
          event: 0,
          name: "the payment's fields posted beside an id never issued, status claimed paid",
        },
      ],
    };
    const outcomes = [];
    for (const runId of ['fresh1', 'fresh2']) {
      outcomes.push(
        await playPlan(plan, {
          ...target.options,
          probe: createProbeClient(target.options.probe),
          runId,
          clock: systemClock,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          settle: { ...defaultSettle, ...target.options.settle },
        }),
      );
    }
    expect(outcomes.map((o) => o.findings.map((f) => f.reason))).toEqual([['state.differs'], ['state.differs']]);
  });
});
