import { readFileSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { DeliveryError } from '../../src/core/delivery-error.js';
import { emptyEnrichment, type Enricher } from '../../src/core/account.js';
import { cachedEnricher } from '../../src/enrichment/cached-enricher.js';
import { storeEnrichmentCache } from '../../src/core/enrichment-cache.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

type Hub = ReturnType<typeof makeTestHub>;
const TOKEN = 'admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

const ANA = { email: 'ana@example.com', name: 'Ana Lima' };
const BOB = { email: 'bob@example.com', name: 'Bob Stone' };
/** Words only Ana wrote: none may survive anywhere once she is forgotten. */
const ANA_SECRETS = ['ana@example.com', 'Ana Lima', 'Too slow for our team', 'Still slow after the update', 'Ana second answer'];

/** Every row of every table, as text. */
function everyRow(hub: Hub): string {
  const tables = hub.store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return tables.map((t) => `${t.name}: ${JSON.stringify(hub.store.db.prepare(`SELECT * FROM "${t.name}"`).all())}`).join('\n');
}

/** The database file and its WAL as bytes on disk, as the erasure left them. */
function fileBytes(hub: Hub): string {
  const path = hub.config.CLOSELOOP_DB;
  return [path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('');
}

async function forget(hub: Hub, email: string, query = '') {
  const res = await hub.app.request(`/api/respondents/${encodeURIComponent(email)}${query}`, { method: 'DELETE', headers: auth });
  return { status: res.status, body: (await res.json()) as any };
}

describe('forgetting a respondent', () => {
  let hub: Hub;
  afterEach(async () => hub?.cleanup());

  it('erases responses, raw bodies, versions, jobs done and queued, attempts, throttle marks and cached CRM lookups — in every table and in the file', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const post = async (body: object) => {
      const res = await postWebhook(hub, 'generic', body);
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    // Ana: a detractor answer, then its update with another comment (version 2), and a promoter answer.
    const first = await post({ response_id: 'r-1', score: 3, comment: 'Too slow for our team', ...ANA });
    await hub.loop.drain();
    await post({ response_id: 'r-1', score: 2, comment: 'Still slow after the update', ...ANA });
    await post({ response_id: 'r-2', score: 10, comment: 'Ana second answer', ...ANA, email: 'ANA@Example.com' });
    await hub.loop.drain();
    // Bob, who stays.
    await post({ response_id: 'r-9', score: 4, comment: 'Bob keeps his words', ...BOB });
    await hub.loop.drain();
    // A job of Ana's still waiting (a retry due tomorrow) and one of Bob's.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const waiting = (responseId: string, key: string, email: string) => ({
      key, type: 'action' as const, responseId, recipe: 'x', actionId: 'a', action: 'slack.postMessage',
      params: { channel: '#later', text: `about ${email}` }, maxAttempts: 3, runAt: tomorrow,
    });
    const bobId = (await hub.store.listResponses({ limit: 10 })).find((r) => r.sourceResponseId === 'r-9')!.id;
    await hub.store.enqueueJobs([waiting(first, 'later-ana', ANA.email), waiting(bobId, 'later-bob', BOB.email)]);
    // CRM lookups cached for both (a contact with the name), and an account entry that is nobody's.
    const at = new Date().toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await hub.store.putCachedEnrichment('hubspot:email:ana@example.com', { contact: { name: 'Ana Lima' } }, at, until);
    await hub.store.putCachedEnrichment('salesforce:email:ana@example.com', { contact: { name: 'Ana Lima' } }, at, until);
    await hub.store.putCachedEnrichment('hubspot:email:bob@example.com', { contact: { name: 'Bob Stone' } }, at, until);
    await hub.store.putCachedEnrichment('hubspot:account:42', { name: 'Acme' }, at, until);

    const before = everyRow(hub);
    for (const secret of ANA_SECRETS) expect(before).toContain(secret);
    const jobsBefore = hub.store.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE response_id IN (SELECT id FROM responses WHERE source_response_id IN ('r-1', 'r-2'))`).get() as { n: number };
    const attemptsBefore = hub.store.db.prepare(`SELECT COUNT(*) AS n FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE response_id IN (SELECT id FROM responses WHERE source_response_id IN ('r-1', 'r-2')))`).get() as { n: number };

    const { status, body } = await forget(hub, '  Ana@Example.COM ');
    expect(status).toBe(200);
    expect(body).toEqual({
      email: 'ana@example.com',
      erased: { responses: 2, versions: 2, jobs: jobsBefore.n, attempts: attemptsBefore.n, cacheEntries: 2, throttleMarks: 1, },
      cancelledJobs: 1,
      inFlight: [],
      // Sandbox mode: nothing left the machine, so nothing to erase elsewhere.
      downstream: [],
    });
    // Plan v1, plan v2, ticket + alert + verbatim (v1), their follow-ups or new jobs (v2), event + verbatim (r-2), the waiting one.
    expect(jobsBefore.n).toBeGreaterThanOrEqual(6);

    const after = everyRow(hub);
    for (const secret of ANA_SECRETS) expect(after).not.toContain(secret);
    for (const secret of ANA_SECRETS) expect(after.toLowerCase()).not.toContain(secret.toLowerCase());
    // Bob and the account entry are untouched.
    for (const kept of ['bob@example.com', 'Bob Stone', 'Bob keeps his words', 'later-bob', 'hubspot:account:42']) expect(after).toContain(kept);
    // The job counts kept by triggers follow the deletes.
    const counted = hub.store.db.prepare(`SELECT SUM(n) AS n FROM job_counts`).get() as { n: number };
    const rows = hub.store.db.prepare(`SELECT COUNT(*) AS n FROM jobs`).get() as { n: number };
    expect(counted.n).toBe(rows.n);

    const bytes = fileBytes(hub);
    expect(bytes).toContain('Bob keeps his words');
    for (const secret of ANA_SECRETS) expect(bytes).not.toContain(secret);
  });

  it('a late resend of an erased response is refused with a 2xx and not stored; a new response from the same person is', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow for our team', ...ANA })).status).toBe(202);
    await hub.loop.drain();
    expect((await forget(hub, ANA.email)).body.erased.responses).toBe(1);

    for (const body of [
      { response_id: 'r-1', score: 3, comment: 'Too slow for our team', ...ANA },
      { response_id: 'r-1', score: 5, comment: 'A changed resend', ...ANA },
    ]) {
      const res = await postWebhook(hub, 'generic', body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ erased: true, stored: false, message: "This response was erased at the respondent's request; nothing was stored" });
    }
    await hub.loop.drain();
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);
    expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
    expect(everyRow(hub)).not.toContain('ana@example.com');
    // Same response id from another source is another response.
    expect((await postWebhook(hub, 'generic', { response_id: 'r-2', score: 9, ...ANA })).status).toBe(202);
    expect((await hub.store.listResponses({ limit: 10 })).map((r) => r.sourceResponseId)).toEqual(['r-2']);
  });

  it('an email nothing is known for: 200 with zero counts; an invalid one: 422 naming the field', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const { status, body } = await forget(hub, 'nobody@example.com');
    expect(status).toBe(200);
    expect(body).toEqual({
      email: 'nobody@example.com',
      erased: { responses: 0, versions: 0, jobs: 0, attempts: 0, cacheEntries: 0, throttleMarks: 0 },
      cancelledJobs: 0,
      inFlight: [],
      downstream: [],
    });
    // Nothing asked about an unknown person is kept (not even a hash).
    expect(hub.store.db.prepare('SELECT COUNT(*) AS n FROM erasures').get()).toEqual({ n: 0 });
    const bad = await forget(hub, 'not-an-email');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues).toEqual([{ field: 'email', message: 'must be an email address' }]);
    const badFlag = await forget(hub, 'ana@example.com', '?downstream=yes');
    expect(badFlag.status).toBe(422);
    expect(badFlag.body.error.issues[0].field).toBe('downstream');
    // Behind the admin token like the rest of /api.
    expect((await hub.app.request('/api/respondents/ana%40example.com', { method: 'DELETE' })).status).toBe(401);
  });

  it('is documented in the OpenAPI document', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN } });
    const doc = (await (await hub.app.request('/api/openapi.json', { headers: auth })).json()) as any;
    const op = doc.paths['/respondents/{email}'].delete;
    expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(['path:email', 'query:downstream']);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '401', '422']);
  });

  it('a response erased while its plan waits for the CRM: the plan writes no job, and the lookup it cached for the email is dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const crmAsked = new Promise<void>((r) => (asked = r));
    // A CRM that answers only when the test lets it, through the real cache in the hub's store.
    const lookup = {
      crm: 'hubspot' as const,
      async findContact(email: string) {
        asked();
        await gate;
        return { contact: { ...emptyEnrichment().contact, id: 'c-1', email, firstName: 'Ana', lastName: 'Lima' }, accountId: null };
      },
      async getAccount() {
        return null;
      },
      classify: (e: unknown) => new DeliveryError(String(e), true),
    };
    const enricher: Enricher = {
      enrich: (email) => cachedEnricher({ lookup, cache: storeEnrichmentCache({ store: hub.store, ttlMs: 3_600_000, now: () => new Date() }), log: silentLogger }).enrich(email),
    };
    hub = makeTestHub({ env: { CLOSELOOP_ADMIN_TOKEN: TOKEN }, enricher });
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow for our team', ...ANA })).status).toBe(202);
    const draining = hub.loop.drain();
    await crmAsked;
    const { body } = await forget(hub, ANA.email);
    expect(body.erased.responses).toBe(1);
    expect(body.inFlight.map((j: { action: string | null }) => j.action)).toEqual([null]); // the plan job
    release();
    await draining;
    expect(await hub.store.listJobs({ limit: 10 })).toEqual([]);
    const after = everyRow(hub);
    for (const secret of ANA_SECRETS) expect(after).not.toContain(secret);
    expect(hub.store.db.prepare('SELECT COUNT(*) AS n FROM enrichment_cache').get()).toEqual({ n: 0 });
  });
});
