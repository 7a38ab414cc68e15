import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from '../../store/migrations.js';
import {
  ALL_STATUSES_ZERO,
  SQL,
  attemptFromRow,
  jobFromRow,
  jobListQuery,
  jobValues,
  responseFromRow,
  responseListQuery,
  responseValues,
  type AttemptRow,
  type JobRow,
  type ResponseRow,
} from '../../store/rows.js';
import type {
  ClaimOptions,
  IngestInput,
  IngestResult,
  JobFilter,
  PlanWrite,
  QueueStats,
  ResponseFilter,
  Store,
} from '../../store/store.js';
import type { AttemptResult, JobAttempt, Job, NewJob } from '../../jobs/job.js';
import { planJobFor } from '../../jobs/plan-job.js';

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for tests. Its folder is created. */
  path: string;
  /**
   * SQLite `synchronous`. Default `FULL`: every commit is fsynced, so an acknowledged
   * webhook survives a power cut. Ingest stays fast because concurrent requests are
   * committed together (group commit).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Clock, for tests. Default: the system clock. */
  now?: () => Date;
}

interface PendingIngest {
  input: IngestInput;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/** The Node store: better-sqlite3 in WAL mode, with group commit for ingest. */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly now: () => Date;
  private pending: PendingIngest[] = [];
  private flushScheduled = false;
  private readonly stmt;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.now = options.now ?? (() => new Date());
    migrate(this.db);
    this.stmt = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, this.db.prepare(sql)]),
    ) as Record<keyof typeof SQL, Database.Statement>;
  }

  /**
   * Queue the response for the next group commit. Every ingest that arrives in the same
   * event-loop turn is written in one transaction with one fsync; each promise resolves only
   * after that commit, so a 202 is never sent for data that is not on disk.
   */
  ingest(input: IngestInput): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushIngests());
      }
    });
  }

  private flushIngests(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    const receivedAt = this.now().toISOString();
    const outcomes: ({ ok: true; value: IngestResult } | { ok: false; error: unknown })[] = [];
    const writeOne = this.db.transaction((input: IngestInput) => this.ingestOne(input, receivedAt));
    const writeAll = this.db.transaction(() => {
      for (const p of batch) {
        // A nested transaction is a savepoint: one failing item rolls back alone.
        try {
          outcomes.push({ ok: true, value: writeOne(p.input) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    try {
      writeAll();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  private ingestOne(input: IngestInput, receivedAt: string): IngestResult {
    const r = input.response;
    const id = crypto.randomUUID();
    const inserted = this.stmt.insertResponse.get(
      ...responseValues(id, r, receivedAt, input.rawBody, input.contentType),
    ) as { id: string } | undefined;
    if (!inserted) {
      const existing = this.stmt.responseIdBySourceId.get(r.source, r.sourceResponseId) as { id: string };
      return { id: existing.id, duplicate: true };
    }
    this.insertJob(planJobFor(id, receivedAt), receivedAt);
    return { id, duplicate: false };
  }

  private insertJob(job: NewJob, now: string): string | undefined {
    const row = this.stmt.insertJob.get(...jobValues(crypto.randomUUID(), job, now)) as { id: string } | undefined;
    return row?.id;
  }

  async getResponse(id: string) {
    const row = this.stmt.getResponse.get(id) as ResponseRow | undefined;
    return row && responseFromRow(row);
  }

  async listResponses(filter: ResponseFilter) {
    const q = responseListQuery(filter);
    return (this.db.prepare(q.sql).all(...q.params) as ResponseRow[]).map(responseFromRow);
  }

  async getRawBody(id: string) {
    return this.stmt.getRawBody.get(id) as { body: string; contentType: string } | undefined;
  }

  async enqueueJobs(jobs: NewJob[]) {
    const now = this.now().toISOString();
    return this.db.transaction(() => jobs.map((j) => this.insertJob(j, now)).filter((id): id is string => !!id))();
  }

  async commitPlan(plan: PlanWrite, now: string) {
    this.db.transaction(() => {
      for (const job of plan.jobs) this.insertJob(job, now);
      for (const run of plan.recipeRuns) {
        this.stmt.insertRecipeRun.run(run.recipe, run.respondentKey, plan.responseId, run.at);
      }
      this.stmt.finishPlanJob.run(now, plan.planJobId);
    })();
  }

  async claimJobs(options: ClaimOptions) {
    const rows = this.stmt.claimJobs.all(
      options.leaseUntil,
      options.now,
      options.now,
      options.now,
      options.limit,
    ) as JobRow[];
    return rows.map(jobFromRow);
  }

  async finishAttempt(job: Job, attempt: Omit<JobAttempt, 'outcome' | 'error' | 'remoteStatus'>, result: AttemptResult) {
    const status = result.outcome === 'retry' ? 'queued' : result.outcome;
    this.db.transaction(() => {
      this.stmt.insertAttempt.run(
        attempt.jobId,
        attempt.attempt,
        attempt.startedAt,
        attempt.finishedAt,
        result.outcome,
        result.error ?? null,
        result.remoteStatus ?? null,
      );
      this.stmt.finishJob.run(
        status,
        result.runAt ?? job.runAt,
        result.error ?? null,
        result.result === undefined ? null : JSON.stringify(result.result),
        attempt.finishedAt,
        job.id,
        job.attempts,
      );
    })();
  }

  async getJob(id: string) {
    const row = this.stmt.getJob.get(id) as JobRow | undefined;
    return row && jobFromRow(row);
  }

  async listJobs(filter: JobFilter) {
    const q = jobListQuery(filter);
    return (this.db.prepare(q.sql).all(...q.params) as JobRow[]).map(jobFromRow);
  }

  async listAttempts(jobId: string) {
    return (this.stmt.listAttempts.all(jobId) as AttemptRow[]).map(attemptFromRow);
  }

  async replayJobs(ids: string[], now: string) {
    return this.db.transaction(() => ids.reduce((n, id) => n + this.stmt.replayJob.run(now, now, id).changes, 0))();
  }

  async queueStats(now: string): Promise<QueueStats> {
    const byStatus = ALL_STATUSES_ZERO();
    for (const row of this.stmt.countByStatus.all() as { status: keyof typeof byStatus; n: number }[]) {
      byStatus[row.status] = row.n;
    }
    const { oldest } = this.stmt.oldestWaiting.get(now) as { oldest: string | null };
    const oldestWaitingSeconds = oldest === null ? null : Math.max(0, (Date.parse(now) - Date.parse(oldest)) / 1000);
    return { byStatus, oldestWaitingSeconds };
  }

  async lastRecipeRun(recipe: string, respondentKey: string, exceptResponseId: string) {
    const row = this.stmt.lastRecipeRun.get(recipe, respondentKey, exceptResponseId) as { at: string | null };
    return row.at ?? undefined;
  }

  async getCachedEnrichment(key: string, now: string) {
    const row = this.stmt.getCachedEnrichment.get(key, now) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  /** Not group-committed: a lost cache entry only costs one more CRM call. */
  async putCachedEnrichment(key: string, value: unknown, fetchedAt: string, expiresAt: string) {
    this.db.transaction(() => {
      this.stmt.deleteExpiredEnrichment.run(fetchedAt);
      this.stmt.putCachedEnrichment.run(key, JSON.stringify(value), fetchedAt, expiresAt);
    })();
  }

  async close() {
    if (this.pending.length) this.flushIngests();
    this.db.close();
  }
}

/** Apply the migrations this database has not seen, each in its own transaction. */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
  }
}
