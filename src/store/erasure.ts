import type { Statement } from './statement.js';

export type { Statement };
/**
 * Erasure of one respondent (`closeloop forget <email>`, `DELETE /api/respondents/{email}`): which
 * rows, by which statements, each next to its values. Runtime-agnostic: the Node store runs the
 * read and the writes in one SQLite transaction; a D1 store runs the read, then the writes as one
 * atomic `batch()` (every write is keyed by the ids the read found, none reads back a value; a
 * response stored for the email between the read and the batch arrived after the request and stays).
 */

/** A remote object the hub created for the person (a ticket, a message, an event): where the operator can act too. */
export interface DownstreamObject {
  /** The action that created or touched it, e.g. `zendesk.createTicket`. */
  action: string;
  /** What the connector answered: the remote ids (`ticketId`, `channel` + `ts`, `contactId` + `eventName`…). */
  remote: Record<string, unknown>;
}

/** What an erasure removed, and what it cannot remove itself. */
export interface ErasureReport {
  /** The email as matched: trimmed, lower case. */
  email: string;
  erased: {
    responses: number;
    /** Earlier versions of those responses. */
    versions: number;
    /** Jobs of those responses, whatever their state (queued ones are cancelled by it). */
    jobs: number;
    attempts: number;
    /** CRM lookups cached for that email. */
    cacheEntries: number;
    /** Throttle marks (`recipe_runs`) of those responses. */
    throttleMarks: number;
  };
  /** Queued (or retrying) jobs that were cancelled: nothing of theirs will be sent. */
  cancelledJobs: number;
  /**
   * Jobs that were running at that moment: their call may still reach the vendor, but nothing they
   * answer is stored (their rows are gone). Check the vendor for these actions.
   */
  inFlight: { jobId: string; action: string | null }[];
  /** Objects the hub had created for this person at the vendors, from every erasure of this email so far. */
  downstream: DownstreamObject[];
}

/** The normalized email an erasure matches: trimmed, lower case (as ingest stores it). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Text whose SHA-256 (hex) is a salted key: the salt, then each part, NUL-separated (no part can
 * hold a NUL that shifts the boundary: they come from zod-validated strings and are compared whole).
 */
export function saltedKeyText(salt: string, parts: readonly string[]): string {
  return [salt, ...parts].join('\u0000');
}

/** Parts of the key that refuses a resend of an erased response. */
export function erasedResponseParts(source: string, sourceResponseId: string): string[] {
  return ['response', source, sourceResponseId];
}

/** Parts of the key the erasure record of an email is kept under. */
export function erasureEmailParts(email: string): string[] {
  return ['email', normalizeEmail(email)];
}

export const ERASURE_SQL = {
  salt: `SELECT value FROM privacy_settings WHERE key = 'erasure_salt'`,
  /** Whether a response with this salted key was erased (ingest asks before storing). */
  isErased: `SELECT 1 AS erased FROM erased_responses WHERE key = ?`,
} as const;

/**
 * The read: responses whose current or any earlier version carries the email (case-insensitive,
 * trimmed), with what their keys are made of. A full scan: erasure is rare, and an email index
 * would cost every ingest.
 */
export function respondentResponsesQuery(email: string): Statement {
  const e = normalizeEmail(email);
  return {
    sql: `SELECT id, source, source_response_id FROM responses WHERE lower(trim(respondent_email)) = ?
      UNION SELECT r.id, r.source, r.source_response_id FROM response_versions v JOIN responses r ON r.id = v.response_id
        WHERE lower(trim(json_extract(v.data, '$.respondent.email'))) = ?`,
    params: [e, e],
  };
}

/** The read: jobs of those responses (their results name the remote objects). */
export function respondentJobsQuery(responseIds: readonly string[]): Statement {
  return { sql: `SELECT id, action, status, result FROM jobs WHERE response_id IN (SELECT value FROM json_each(?)) ORDER BY seq`, params: [JSON.stringify(responseIds)] };
}

/** The read: the erasure record of this email, if an earlier erasure made one. */
export function erasureRecordQuery(emailKey: string): Statement {
  return { sql: `SELECT downstream FROM erasures WHERE email_key = ?`, params: [emailKey] };
}

/** What the read found (the three queries above), and how to make a salted key. */
export interface ErasureRead {
  email: string;
  now: string;
  responses: readonly RespondentResponseRow[];
  jobs: readonly ErasedJobRow[];
  /** The erasure record of this email, when an earlier erasure made one. */
  record: { downstream: string } | undefined;
  /** SHA-256 (hex) of {@link saltedKeyText} with the store's salt: node:crypto on Node, Web Crypto on Workers. */
  saltedKey(parts: readonly string[]): string;
}

/** A response row as {@link respondentResponsesQuery} returns it. */
export interface RespondentResponseRow {
  id: string;
  source: string;
  source_response_id: string;
}

type Counted = keyof ErasureReport['erased'];

/**
 * The writes of one erasure, in order, all keyed by the ids the read found, and how the rows they
 * return make the report. Each delete returns one row per row it removed (`RETURNING`): the
 * counts, even on D1 (whose change count includes trigger writes). Run them in one transaction
 * (D1: one `batch()`).
 */
export function erasurePlan(read: ErasureRead): { writes: { counts?: Counted; statement: Statement }[]; report(returned: Partial<Record<Counted, number>>): ErasureReport } {
  const ids = JSON.stringify(read.responses.map((r) => r.id));
  const inIds = `(SELECT value FROM json_each(?))`;
  const earlier = read.record ? (JSON.parse(read.record.downstream) as DownstreamObject[]) : [];
  const downstream = downstreamObjects(read.jobs, earlier);
  const keys = read.responses.map((r) => read.saltedKey(erasedResponseParts(r.source, r.source_response_id)));
  const writes: { counts?: Counted; statement: Statement }[] = [
    { statement: { sql: `INSERT OR IGNORE INTO erased_responses (key, erased_at) SELECT value, ? FROM json_each(?)`, params: [read.now, JSON.stringify(keys)] } },
    { counts: 'attempts', statement: { sql: `DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE response_id IN ${inIds}) RETURNING job_id`, params: [ids] } },
    { counts: 'jobs', statement: { sql: `DELETE FROM jobs WHERE response_id IN ${inIds} RETURNING id`, params: [ids] } },
    { counts: 'versions', statement: { sql: `DELETE FROM response_versions WHERE response_id IN ${inIds} RETURNING response_id`, params: [ids] } },
    { counts: 'throttleMarks', statement: { sql: `DELETE FROM recipe_runs WHERE response_id IN ${inIds} RETURNING response_id`, params: [ids] } },
    { counts: 'responses', statement: { sql: `DELETE FROM responses WHERE id IN ${inIds} RETURNING id`, params: [ids] } },
    { counts: 'cacheEntries', statement: cachedLookupsDelete(read.email) },
  ];
  // An email nothing was stored for leaves no record: its hash would only say that someone asked.
  if (read.responses.length || read.record) {
    writes.push({
      statement: {
        sql: `INSERT INTO erasures (email_key, erased_at, downstream) VALUES (?, ?, ?)
          ON CONFLICT (email_key) DO UPDATE SET erased_at = excluded.erased_at, downstream = excluded.downstream`,
        params: [read.saltedKey(erasureEmailParts(read.email)), read.now, JSON.stringify(downstream)],
      },
    });
  }
  return {
    writes,
    report: (returned) => ({
      email: normalizeEmail(read.email),
      erased: { responses: 0, versions: 0, jobs: 0, attempts: 0, cacheEntries: 0, throttleMarks: 0, ...returned },
      cancelledJobs: read.jobs.filter((j) => j.status === 'queued').length,
      inFlight: read.jobs.filter((j) => j.status === 'running').map((j) => ({ jobId: j.id, action: j.action })),
      downstream,
    }),
  };
}

/** Delete the CRM lookups cached for an email, returning their keys. */
export function cachedLookupsDelete(email: string): Statement {
  // A look-up cached for an email ends with it (`<crm>:contact:<email>`, `hubspot:contact-search:<email>`,
  // src/enrichment/cached-enricher.ts and the CRM look-ups); compared whole, no LIKE wildcard.
  const suffix = `:${normalizeEmail(email)}`;
  return { sql: `DELETE FROM enrichment_cache WHERE length(key) > length(?) AND substr(key, -length(?)) = ? RETURNING key`, params: [suffix, suffix, suffix] };
}

/** A job row as the read returns it. */
export interface ErasedJobRow {
  id: string;
  action: string | null;
  status: string;
  result: string | null;
}

/**
 * The remote objects those jobs created: succeeded action jobs' results (a sandboxed job sent
 * nothing), without the hub's own bookkeeping flags; merged with an earlier record, no duplicates.
 */
export function downstreamObjects(jobs: readonly ErasedJobRow[], earlier: readonly DownstreamObject[] = []): DownstreamObject[] {
  const out = [...earlier];
  const seen = new Set(out.map((o) => JSON.stringify(o)));
  for (const job of jobs) {
    if (job.status !== 'succeeded' || !job.action || job.result === null) continue;
    const result = JSON.parse(job.result) as unknown;
    if (!result || typeof result !== 'object' || Array.isArray(result)) continue;
    const { existing: _existing, contactCreated: _created, ...remote } = result as Record<string, unknown>;
    const object = { action: job.action, remote };
    const key = JSON.stringify(object);
    if (!seen.has(key)) (seen.add(key), out.push(object));
  }
  return out;
}
