import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      // The SDK patches, Durable Objects and bundled recipes, inside workerd on their own test Worker.
      './vitest.workers-sdks.config.ts',
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          // test/workers and test/workers-sdks run inside workerd (their own projects).
          exclude: ['test/workers/**', 'test/workers-sdks/**', '**/node_modules/**'],
          // Tests that spawn the CLI run the compiled one: rebuilt first when a source is newer.
          globalSetup: ['test/support/build-cli.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Each file gets its own process: native SQLite handles and msw interceptors stay isolated.
          pool: 'forks',
        },
      },
      {
        // The Worker's tests run inside workerd (Miniflare), on the bindings of wrangler.toml: a
        // local D1 with the migrations applied (test/workers/apply-migrations.ts), the jobs queue.
        plugins: [
          cloudflareTest(async () => ({
            main: './test/workers/entry.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations('./migrations') } },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          setupFiles: ['test/workers/apply-migrations.ts'],
          // In Node, before the tests: the jobs the Node hub plans, which recipes.test.ts compares with the Worker's.
          globalSetup: ['test/workers/node-recipe-jobs.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
