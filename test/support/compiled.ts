import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { COMPILED_MARKER, FAILED_MARKER } from './compiled-markers.js';

/** How long a test waits for the run's compile (about 7 s on the 2-core machine) before it gives up. */
const COMPILE_WAIT_MS = 120_000;
const POLL_MS = 100;

/**
 * The project compiled to JavaScript for this run by the global setup (test/support/compiled-project-setup.ts), once
 * the compile has finished, so tests can start real processes (the CLI, crash-test receivers) from the current
 * sources. The setup removes it after the run.
 */
export async function compiledProject(): Promise<string> {
  const outDir = inject('compiledProjectDir');
  for (let waited = 0; ; waited += POLL_MS) {
    if (existsSync(join(outDir, COMPILED_MARKER))) return outDir;
    const failed = join(outDir, FAILED_MARKER);
    if (existsSync(failed))
      throw new Error(`compiling the project for the tests failed:\n${readFileSync(failed, 'utf8')}`);
    if (waited >= COMPILE_WAIT_MS) throw new Error(`the project's compile did not finish within ${COMPILE_WAIT_MS} ms`);
    await sleep(POLL_MS);
  }
}

export { freePort } from './free-port.js';
