import { expect, test } from 'vitest';
import { busyReason, waitForQuiet } from '../../bench/support.js';

test('a benchmark on a busy machine reports why it measured nothing, unless forced', () => {
  expect(busyReason([0.4, 1, 1], 2, false)).toBeNull();
  expect(busyReason([1.0, 1, 1], 2, false)).toBeNull();
  expect(busyReason([3.2, 1, 1], 2, false)).toMatch(/busy \(load average 3\.2 on 2 cores at the start\).*--force/);
  expect(busyReason([3.2, 1, 1], 2, true)).toBeNull();
});

/** A machine whose 1-minute load average is `loads[i]` at the i-th look, on a clock that sleeps advance. */
function machineOver(loads: readonly number[]) {
  let looks = 0;
  let nowMs = 0;
  const waits: number[] = [];
  return {
    waits,
    looks: () => looks,
    wait: {
      machine: () => ({ load: [loads[Math.min(looks++, loads.length - 1)] ?? 0, 1, 1], cores: 2 }),
      sleep: async (ms: number) => {
        nowMs += ms;
      },
      now: () => nowMs,
      maxWaitMs: 60_000,
      pollMs: 5_000,
      onWait: (oneMinute: number) => {
        waits.push(oneMinute);
      },
    },
  };
}

test('a benchmark waits for the load its predecessor left to fall, then measures', async () => {
  const machine = machineOver([1.8, 1.4, 1.1, 0.9]);
  await expect(waitForQuiet(false, machine.wait)).resolves.toBeNull();
  expect(machine.waits).toEqual([1.8, 1.4, 1.1]);
  expect(machine.looks()).toBe(4);
});

test('a machine that stays busy past the wait is not measured, and says so', async () => {
  const machine = machineOver([3.0]);
  await expect(waitForQuiet(false, machine.wait)).resolves.toMatch(/busy \(load average 3\.0 on 2 cores/);
  // 60 s in polls of 5 s: 12 waits, then the look that gives up.
  expect(machine.waits).toHaveLength(12);
});

test('--force measures at once', async () => {
  const machine = machineOver([3.0]);
  await expect(waitForQuiet(true, machine.wait)).resolves.toBeNull();
  expect(machine.waits).toEqual([]);
});
