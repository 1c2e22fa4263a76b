import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Turns the PostgreSQL suites on when a server answers at 127.0.0.1:5432 (test/setup/postgres.ts).
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files that start servers and databases run two at a time.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The slow (browser, demo) files start first, also on a clean checkout with no timing cache.
    sequence: { sequencer: LongestFirst },
  },
});
