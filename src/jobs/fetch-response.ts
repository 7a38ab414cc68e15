import type { Env } from '../core/env.js';
import { issuePath } from '../core/errors.js';
import { NormalizedResponse, type StoredResponse } from '../core/response.js';
import type { SourceAdapter } from '../sources/source.js';
import type { Store } from '../store/store.js';
import { DeliveryError } from '../core/delivery-error.js';

export interface FetchDeps {
  store: Store;
  sources: ReadonlyMap<string, SourceAdapter>;
  env: Env;
}

/**
 * Complete a stub (`extra.pendingFetch`) by reading the answers through its source's API, and
 * store them under the same version. Runs inside the plan job, so a vendor outage is a retried
 * job (DeliveryError from the source), never a slow webhook. Returns the completed response.
 */
export async function completePendingFetch(stub: StoredResponse, deps: FetchDeps): Promise<StoredResponse> {
  const source = deps.sources.get(stub.source);
  if (!source?.fetch) throw new DeliveryError(`source "${stub.source}" stored a response to fetch but cannot fetch it`, false);
  const input = await source.fetch(stub, deps.env);
  const parsed = NormalizedResponse.safeParse({ ...input, source: stub.source, sourceResponseId: stub.sourceResponseId });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeliveryError(`${source.title} response ${stub.sourceResponseId} read through the API is invalid: ${issuePath(issue.path)} ${issue.message}`, false);
  }
  // False when a newer version arrived during the fetch: its own plan job reads the answers again.
  await deps.store.completeResponse(stub.id, stub.version, parsed.data);
  return { ...parsed.data, id: stub.id, receivedAt: stub.receivedAt, version: stub.version };
}
