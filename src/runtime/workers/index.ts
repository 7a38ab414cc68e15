// The Worker (wrangler.toml `main`): the hub on D1 and Queues. Thin: src/runtime/workers/handlers.ts
// wires the same app, store and job processing as Node; this file picks the production parts.
import { actionRegistry } from '../../../connectors/registry.js';
import { SqlStore } from '../../store/sql-store.js';
import { bundledRecipes, bundledThemes } from './bundled-recipes.js';
import { D1Driver } from './d1-driver.js';
import { workerHandlers } from './handlers.js';
import { DurableObjectIncidents, type IncidentsObject } from './incidents-object.js';
import { DurableObjectRateLimiter, type RateLimiterObject } from './rate-limiter-object.js';
import type { DurableObjectNamespace } from '@cloudflare/workers-types/latest/index.js';

export { IncidentsObject } from './incidents-object.js';
export { RateLimiterObject } from './rate-limiter-object.js';

export default workerHandlers((env) => ({
  driver: new D1Driver(env.DB),
  store: (driver, options) => new SqlStore(driver, options),
  recipes: bundledRecipes(new Set(actionRegistry().keys())),
  themes: bundledThemes(),
  // Shared by every isolate (wrangler.toml's Durable Object bindings).
  ...(env.RATE_LIMITER ? { rateLimiter: new DurableObjectRateLimiter(env.RATE_LIMITER as DurableObjectNamespace<RateLimiterObject>) } : {}),
  ...(env.INCIDENTS ? { incidents: new DurableObjectIncidents(env.INCIDENTS as DurableObjectNamespace<IncidentsObject>) } : {}),
}));
