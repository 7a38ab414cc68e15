import { actionRegistry, CONNECTORS } from '../../connectors/registry.js';
import { adminRoutes } from '../../src/http/admin.js';
import { SOURCES } from '../../src/sources/registry.js';
import type { Store } from '../../src/store/store.js';
import { loadCliProgram } from './cli-program.js';
import type { ReferenceInputs } from './pages.js';

/** What the committed reference pages are generated from: this repository's registries, CLI and admin API. */
export async function referenceInputs(): Promise<ReferenceInputs> {
  // Serving the document reads no data: a store that is never called, and a token to get past the auth.
  const token = 'reference-docs-token';
  const admin = adminRoutes({ store: {} as Store, adminToken: token, now: () => new Date(0), sources: SOURCES, campaigns: { registry: actionRegistry(CONNECTORS), maxAttempts: () => 1 } });
  const res = await admin.request('/openapi.json', { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`the admin API did not serve its OpenAPI document (HTTP ${res.status})`);
  return { connectors: CONNECTORS, sources: SOURCES, program: await loadCliProgram(), openapi: await res.json() };
}
