import { systemClock } from '../../contracts/clock.js';
import { PROBE_TOKEN_ENV } from '../../contracts/probe.js';
import type { CliEnvironment } from '../../scenarios/cli/io.js';
import { TEST_PROBE_TOKEN } from './probe-token.js';

let runIds = 0;

/**
 * CLI io that captures output; seeds and run ids are fixed or fresh as a test needs. The environment carries the tests'
 * probe token unless `env` sets it.
 */
export function fakeIo(env: NodeJS.ProcessEnv = {}, seed = 42) {
  const captured = { out: '', err: '' };
  const io: CliEnvironment = {
    stdout: {
      write: (text: string) => {
        captured.out += text;
        return true;
      },
    },
    stderr: {
      write: (text: string) => {
        captured.err += text;
        return true;
      },
    },
    env: { [PROBE_TOKEN_ENV]: TEST_PROBE_TOKEN, ...env },
    clock: systemClock,
    randomSeed: () => seed,
    randomRunId: () => {
      runIds += 1;
      return `c${process.pid.toString(36)}${runIds.toString(36)}`;
    },
    randomBytes: (length) => new Uint8Array(length).fill(9),
    untilStopped: () => Promise.resolve(),
  };
  return { io, captured };
}
