import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let compiled: Promise<string> | null = null;

/**
 * The project compiled to JavaScript in a fresh folder under `node_modules/.cache`, once per test process, so tests can start real processes
 * (the CLI, crash-test receivers) from the current sources. Type errors do not stop the emit; the type-check step of
 * `npm test` reports them.
 */
export function compiledProject(): Promise<string> {
  compiled ??= (async () => {
    // Inside node_modules, so the compiled files resolve the project's packages as the sources do.
    const cache = join(process.cwd(), 'node_modules', '.cache');
    await mkdir(cache, { recursive: true });
    const outDir = await mkdtemp(join(cache, 'ipn-gauntlet-compiled-'));
    const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', outDir], {
        cwd: process.cwd(),
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      // tsc exits non-zero on type errors but still emits; only a missing output is fatal.
      if (!existsSync(join(outDir, 'scenarios', 'cli', 'process-main.js'))) throw error;
    }
    return outDir;
  })();
  return compiled;
}

/** Removes this process's compiled copy (call it from `afterAll`). */
export async function removeCompiledProject(): Promise<void> {
  if (compiled === null) return;
  const outDir = await compiled.catch(() => null);
  compiled = null;
  if (outDir !== null) await rm(outDir, { recursive: true, force: true });
}

export { freePort } from './free-port.js';
