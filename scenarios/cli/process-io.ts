import { randomBytes, randomInt } from 'node:crypto';
import { systemClock } from '../../contracts/clock.js';
import type { CliEnvironment } from './io.js';

/** The program's edge: the real streams, environment, clock and randomness. */
export function processIo(): CliEnvironment {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
    randomSeed: () => randomInt(1, 2 ** 31 - 1),
    randomRunId: () => randomInt(36 ** 5, 36 ** 6).toString(36),
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    untilStopped: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}
