// The Worker the SDK and Durable Object tests run in: the Durable Object classes its bindings name.
export { RateLimiterObject } from '../../src/runtime/workers/rate-limiter-object.js';
export { IncidentsObject } from '../../src/runtime/workers/incidents-object.js';

export default { fetch: () => new Response('closeloop sdks test worker') };
