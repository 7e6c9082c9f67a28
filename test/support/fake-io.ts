import { systemClock } from '../../contracts/clock.js';
import type { CliIo } from '../../scenarios/cli/io.js';

let runIds = 0;

/** CLI io that captures output; seeds and run ids are fixed or fresh as a test needs. */
export function fakeIo(env: NodeJS.ProcessEnv = {}, seed = 42) {
  const captured = { out: '', err: '' };
  const io: CliIo = {
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
    env,
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
