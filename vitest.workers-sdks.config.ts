import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/** The SDK patches and Durable Objects, tested inside workerd (test/workers-sdks). */
export default defineConfig({
  plugins: [cloudflareTest({ main: './test/workers-sdks/entry.ts', wrangler: { configPath: './test/workers-sdks/wrangler.toml' } })],
  test: {
    name: 'workers-sdks',
    include: ['test/workers-sdks/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
