import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The Workers integration sits on the root config, and the workers project extends it: set on a
  // project alone, its module resolution (workerd conditions, dependencies through Vite) is not
  // applied, and CommonJS dependencies (jsforce's faye) fail to load in workerd.
  plugins: [
    cloudflareTest(async () => ({
      // The Durable Object classes wrangler.toml binds; the tests drive the Worker's handlers themselves.
      main: './test/workers/entry.ts',
      // The bindings of wrangler.toml: a local D1 (migrations applied by test/workers/apply-migrations.ts), the queues, the Durable Objects.
      wrangler: { configPath: './wrangler.toml' },
      miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations('./migrations') } },
    })),
  ],
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          // test/workers and test/workers-sdks run inside workerd (the project below).
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
        extends: true,
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts', 'test/workers-sdks/**/*.test.ts'],
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
