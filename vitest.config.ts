import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that spawn the CLI run the compiled one: rebuilt first when a source is newer.
    globalSetup: ['test/support/build-cli.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file gets its own process: native SQLite handles and msw interceptors stay isolated.
    pool: 'forks',
  },
});
