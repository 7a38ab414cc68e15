// The Worker the workerd tests run beside (vitest.config.ts `main`): the Durable Object classes
// wrangler.toml binds. The tests drive the real handlers (src/runtime/workers/handlers.ts) with
// their own queue; the whole bundle (src/runtime/workers/index.ts) runs under wrangler in
// test/deploy/dev-worker.test.ts.
export { IncidentsObject } from '../../src/runtime/workers/incidents-object.js';
export { RateLimiterObject } from '../../src/runtime/workers/rate-limiter-object.js';

export default { fetch: () => new Response('closeloop workers tests') };
