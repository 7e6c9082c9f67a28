import { afterEach, expect, test } from 'vitest';
import { systemClock } from '../../contracts/clock.js';
import type { ExplorePlan } from '../../scenarios/explore/plan-model.js';
import { playPlan } from '../../scenarios/explore/play-plan.js';
import { raceSchedule } from '../../scenarios/explore/race-schedule.js';
import { createProbeClient } from '../../scenarios/probe-client.js';
import { defaultSettle } from '../../scenarios/settle.js';
import type { Flaw } from '../fixtures/flawed-receiver.js';
import { exploreSmall, flawedTarget } from './explore-support.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * Races on every event with a side effect (a payment, two refunds, another payment), each released together on the
 * schedule the seed draws: several releases, so a machine too busy to deliver one release's copies within the
 * receiver's window still meets the race on another.
 */
function racePlan(seed: number): ExplorePlan {
  const copies = 2 + (seed % 4);
  const race = (order: number, event: number) => ({ op: 'concurrent' as const, order, event, copies });
  return {
    worldSeed: seed,
    orders: ['refunded-in-two-parts', 'paid'],
    ops: [race(0, 0), race(0, 1), race(0, 2), race(1, 1)],
  };
}

async function playRaces(flaw: Flaw | 'none'): Promise<number> {
  const target = await flawedTarget('stripe', flaw);
  closers.push(target.close);
  let caught = 0;
  for (const seed of SEEDS) {
    const outcome = await playPlan(racePlan(seed), {
      ...target.options,
      probe: createProbeClient(target.options.probe),
      runId: `race${flaw === 'none' ? 'n' : 'r'}${seed}`,
      clock: systemClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      settle: { ...defaultSettle, timeoutMs: 2_000, quietMs: 50, pollMs: 10 },
    });
    if (outcome.findings.some((f) => /fulfilled \d+ times|refunds ran, expected/.test(f.problem))) caught += 1;
  }
  return caught;
}

test('the seeded race schedule catches the check-then-insert receiver in 20 of 20 seeds', async () => {
  expect(await playRaces('check-then-insert-race')).toBe(SEEDS.length);
});

test('the same 20 races find nothing on the receiver without a flaw', async () => {
  expect(await playRaces('none')).toBe(0);
});

test('explore catches the check-then-insert receiver in 20 of 20 seeds', async () => {
  const target = await flawedTarget('stripe', 'check-then-insert-race');
  closers.push(target.close);
  let caught = 0;
  for (const seed of SEEDS) {
    // Unshrunk, the plan may hold other copies beside the race: which guarantee it names is for shrinking to settle.
    const result = await exploreSmall(target, { seed, runs: 40, shrink: false, maxCauses: 1 });
    if (result.causes[0]?.outcome.findings.some((f) => /fulfilled \d+ times|refunds ran/.test(f.problem))) caught += 1;
  }
  expect(caught).toBe(SEEDS.length);
});

test('a race schedule is a function of its seed, and the seeds order the copies differently', () => {
  for (const seed of SEEDS) {
    const copies = 2 + (seed % 7);
    const schedule = raceSchedule(seed, '0', copies);
    expect(raceSchedule(seed, '0', copies)).toEqual(schedule);
    expect([...schedule.order].sort((a, b) => a - b)).toEqual(Array.from({ length: copies }, (_, i) => i));
  }
  const distinct = new Set(SEEDS.map((seed) => JSON.stringify(raceSchedule(seed, '0', 6))));
  expect(distinct.size).toBeGreaterThan(10);
});
