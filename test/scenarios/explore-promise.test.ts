import { afterEach, expect, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import type { ExplorePlan } from '../../scenarios/explore/plan-model.js';
import { playPlan } from '../../scenarios/explore/play-plan.js';
import { createProbeClient } from '../../scenarios/probe-client.js';
import { defaultSettle } from '../../scenarios/settle.js';
import { buildInferringReceiver } from './explore-receivers.js';
import { exploreSmall, flawedTarget } from './explore-support.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The held-out correct receiver of issue 10: it reads a refund as proof of the payment it refunds. */
async function heldOut() {
  const target = await flawedTarget('stripe', 'none', ({ secret }) =>
    buildInferringReceiver({ provider: 'stripe', secret }),
  );
  closers.push(target.close);
  return target;
}

const SEEDS = [1, 2, 3, 4, 5, 6];

test('explore never calls the held-out correct receiver broken: 6 seeds, 25 plans each, every event delivered', async () => {
  const target = await heldOut();
  const found: string[] = [];
  for (const seed of SEEDS) {
    const result = await exploreSmall(target, { seed, runs: 25 });
    for (const cause of result.causes)
      found.push(`seed ${seed}: ${cause.outcome.findings.map((f) => f.problem).join('; ')}`);
  }
  expect(found).toEqual([]);
});

test('a saved plan that never delivers an event leaves that order unjudged rather than failing a correct receiver', async () => {
  const target = await heldOut();
  // Issue 10's shrunk plan: the refund of a partially refunded order, and never the payment it refunds.
  const refundAlone: ExplorePlan = {
    worldSeed: 3,
    orders: ['partially-refunded'],
    ops: [{ op: 'deliver', order: 0, event: 1 }],
  };
  const outcome = await playPlan(refundAlone, {
    ...target.options,
    probe: createProbeClient(target.options.probe),
    runId: 'promise1',
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    settle: { ...defaultSettle, ...target.options.settle },
  });
  expect(outcome.findings).toEqual([]);
  expect(outcome.status).toBe('pass');
  expect(outcome.unjudged).toMatch(/^ord_promise1\w*: not every event delivered, so the state is not judged/);
});
