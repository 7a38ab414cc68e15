import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { planWithNewResponse } from '../../src/runtime/workers/sending-store.js';
import { SqlStore } from '../../src/store/sql-store.js';

// On the Worker a new response and its plan job are one D1 batch: both are stored, or neither.
const response = (id: string) => ({ response: NormalizedResponse.parse({ source: 'generic', sourceResponseId: id, score: 4, comment: 'Slow exports' }), rawBody: '{}', contentType: 'application/json' });

describe("ingest on D1: a new response and its plan job in one batch", () => {
  it('stores the plan job with the response; a resend writes neither again', async () => {
    const driver = new D1Driver(env.DB);
    const store = new SqlStore(driver, { withNewResponse: planWithNewResponse });
    const { id, duplicate } = await store.ingest(response('batch-1'));
    expect(duplicate).toBe(false);
    // Read straight after ingest, before any claim or sweep: the plan job is there.
    expect(await driver.all({ sql: 'SELECT key, status FROM jobs WHERE response_id = ?', params: [id] })).toEqual([{ key: `plan:${id}`, status: 'queued' }]);
    expect(await store.ingest(response('batch-1'))).toEqual({ id, duplicate: true, version: 1 });
    expect(await driver.all({ sql: 'SELECT key FROM jobs WHERE response_id = ?', params: [id] })).toEqual([{ key: `plan:${id}` }]);
  });

  it('when the plan part fails, the response is not stored either (nothing half-written)', async () => {
    const driver = new D1Driver(env.DB);
    const store = new SqlStore(driver, { withNewResponse: () => [...planWithNewResponse(), { sql: 'INSERT INTO no_such_table VALUES (1)', params: [] }] });
    await expect(store.ingest(response('batch-2'))).rejects.toThrow(/no_such_table/);
    expect(await driver.all({ sql: "SELECT id FROM responses WHERE source_response_id = 'batch-2'", params: [] })).toEqual([]);
    expect(await driver.all({ sql: "SELECT id FROM jobs WHERE key LIKE 'plan:%' AND response_id NOT IN (SELECT id FROM responses)", params: [] })).toEqual([]);
  });
});
