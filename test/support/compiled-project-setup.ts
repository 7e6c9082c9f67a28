import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { COMPILED_MARKER, FAILED_MARKER } from './compiled-markers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the project is being compiled to JavaScript for the run (test/support/compiled.ts waits for it). */
    compiledProjectDir: string;
  }
}

const run = promisify(execFile);

/**
 * Vitest global setup: compiles the project to JavaScript once for the whole run, so tests can start real processes
 * (the CLI, crash-test receivers) from the current sources. The compile starts here and is not awaited: tests that
 * need it wait for its marker file (test/support/compiled.ts), the others run meanwhile. It skips type-checking
 * (`--noCheck`; the project compiles file by file, `isolatedModules`), which `npm test`'s type-check step does.
 * Compiled once in each of five test files' workers with type-checking, it cost about 130 s of the suite's CPU time
 * (bench/suite-time.md).
 */
export default function setup(project: TestProject): () => Promise<void> {
  // Inside node_modules, so the compiled files resolve the project's packages as the sources do.
  const cache = join(process.cwd(), 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'ipn-gauntlet-compiled-'));
  project.provide('compiledProjectDir', outDir);
  const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--noCheck', '--rootDir', '.', '--outDir', outDir];
  const done = run(process.execPath, args, { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 }).then(
    () => writeFile(join(outDir, COMPILED_MARKER), ''),
    (error: { stdout?: string; message: string }) =>
      // tsc exits non-zero on a syntax error yet still emits; only a missing output is fatal.
      existsSync(join(outDir, 'scenarios', 'cli', 'process-main.js'))
        ? writeFile(join(outDir, COMPILED_MARKER), '')
        : writeFile(join(outDir, FAILED_MARKER), `${error.message}\n${error.stdout ?? ''}`),
  );
  return async () => {
    await done;
    await rm(outDir, { recursive: true, force: true });
  };
}
