import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { HubError } from '../../core/errors.js';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { newId } from '../../store/ids.js';
import { MIGRATIONS } from '../../store/migrations.js';
import { revisionAfter, versionVerdict } from '../../store/replay-guard.js';
import { VERDICT_SQL, responsesByEmailValues, verdictFromRow, verdictListValues, verdictValues, type VerdictRow } from '../../store/verdicts.js';
import { digestVerbatimsQuery, exportPageQuery, foldUnknown, segmentCountQueries, segmentWrites, type DigestVerbatimRow, type ExportFilter, type ExportRow, type SegmentCountRow, type SegmentCountsQuery } from '../../store/segments-sql.js';
import {
  ALL_STATUSES_ZERO,
  SQL,
  attemptFromRow,
  jobFromRow,
  deadJobIdsQuery,
  jobListQuery,
  npsCountsQuery,
  jobValues,
  responseFromRow,
  responseCompleteValues,
  responseListQuery,
  responseUpdateValues,
  responseValues,
  type AttemptRow,
  type JobRow,
  type ResponseRow,
} from '../../store/rows.js';
import type {
  ClaimOptions,
  DeadJobFilter,
  IngestInput,
  IngestResult,
  JobFilter,
  NpsCounts,
  NpsFilter,
  PlanWrite,
  QueueStats,
  ResponseFilter,
  Store,
} from '../../store/store.js';
import type { AttemptResult, JobAttempt, Job, NewJob } from '../../core/job.js';
import {
  commentedCountsQuery,
  responsesToTagQuery,
  tagStatements,
  themeCountsQuery,
  verbatimFromRow,
  verbatimsQuery,
  type ResponseToTag,
  type Statement,
  type TaggedResponse,
  type ThemeCounts,
  type ThemeCountsFilter,
  type VerbatimFilter,
  type VerbatimRow,
} from '../../store/theme-tags.js';
import type { NormalizedResponse } from '../../core/response.js';
import { planJobFor } from '../../jobs/plan-job.js';
import type { LoopEvent, LoopTarget } from '../../loops/loop-event.js';
import { insertLoopEvent, loopFromRow, loopRowFromSegmented, overdueLoopsQuery, loopOfResponse, loopRowsQuery, loopTargetQuery, upsertLoop, type LoopFilter, type LoopRow } from '../../store/loops.js';
import { ensurePrivateFile, ensurePrivateFolder, tightenFile } from './private-files.js';
import {
  ERASURE_SQL,
  cachedLookupsDelete,
  erasedResponseParts,
  erasureEmailParts,
  erasurePlan,
  erasureRecordQuery,
  respondentJobsQuery,
  respondentResponsesQuery,
  saltedKeyText,
  type ErasedJobRow,
  type ErasureReport,
  type RespondentResponseRow,
} from '../../store/erasure.js';
import { RETENTION_SQL, oldRows, retentionChunkQuery, scrubStatements } from '../../store/retention.js';
import { ReaderThread } from './reader-thread.js';
import type { SlackActionsDriver } from '../../store/slack-actions.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for tests. Its folder is created owner-only (0700), the file 0600. */
  path: string;
  /**
   * SQLite `synchronous`. Default `FULL`: every commit is fsynced, so an acknowledged
   * webhook survives a power cut. Ingest stays fast because concurrent requests are
   * committed together (group commit).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Refuse to create the database when the file does not exist (CLI commands that only read or replay). Default false. */
  mustExist?: boolean;
  /** Clock, for tests. Default: the system clock. */
  now?: () => Date;
  /**
   * Checkpoint the WAL, and run the reads that grow with the data, from worker threads (see
   * {@link WalCheckpointer}, {@link ReaderThread}). Default: on for a database file that is
   * written to (the hub), off for `:memory:` and `mustExist` (CLI commands, which run in line).
   */
  workerThreads?: boolean;
  /** Told when a background checkpoint fails. */
  onCheckpointError?: (message: string) => void;
}

interface PendingWrite {
  write: () => unknown;
  /** Must be on disk before the caller hears back (a webhook's 202). */
  durable: boolean;
  resolve: (value: any) => void;
  reject: (e: unknown) => void;
}

/** The Node store: better-sqlite3 in WAL mode, with group commit for ingest. */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly now: () => Date;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** `FULL` unless configured `NORMAL`; batches without a durable write run at `NORMAL`. */
  private readonly durableSync: 'FULL' | 'NORMAL';
  private currentSync: 'FULL' | 'NORMAL';
  private readonly stmt;
  private readonly verdictStmt;
  private readonly checkpointer: WalCheckpointer | null;
  /** Reads that grow with the data run here, off the event loop (null: in line, for `:memory:` and CLI reads). */
  private readonly reader: ReaderThread | null;
  /** The erasure salt (migration 13), read once; never logged. */
  private readonly salt: string;
  private readonly isErasedStmt: Database.Statement;
  private readonly onCheckpointError: ((message: string) => void) | undefined;

  constructor(options: SqliteStoreOptions) {
    if (options.mustExist && options.path !== ':memory:' && !existsSync(options.path)) {
      throw new HubError(404, 'no_database', `No database at ${options.path}: start the hub once (npm start), or set CLOSELOOP_DB`, [{ field: 'CLOSELOOP_DB', message: 'no such file' }]);
    }
    if (options.path !== ':memory:') {
      // Responses hold emails and verbatims: no other account on the machine may read them.
      ensurePrivateFolder(dirname(options.path));
      ensurePrivateFile(options.path);
      for (const suffix of ['-wal', '-shm']) tightenFile(options.path + suffix);
    }
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.durableSync = this.currentSync = options.synchronous ?? 'FULL';
    this.db.pragma(`synchronous = ${this.durableSync}`);
    this.db.pragma('busy_timeout = 5000');
    // The WAL is copied into the main file by a worker thread (below). This connection's own
    // checkpoint, run at commit time and stalling the event loop, is the fallback for a WAL that
    // has grown past 10,000 pages (40 MB) anyway.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('foreign_keys = ON');
    // Erasure and retention must leave no copy in freed pages of the file (docs/privacy.md).
    this.db.pragma('secure_delete = ON');
    // 64 MB of page cache (better-sqlite3's default is 16 MB): the dedupe index of a busy hub
    // is written at random places (vendors' response ids), and a page read back from the OS
    // costs a system call per insert (+6% ingest in two A/B runs of the benchmark).
    this.db.pragma('cache_size = -65536');
    this.now = options.now ?? (() => new Date());
    migrate(this.db);
    this.stmt = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, this.db.prepare(sql)]),
    ) as Record<keyof typeof SQL, Database.Statement>;
    this.verdictStmt = Object.fromEntries(
      Object.entries(VERDICT_SQL).map(([name, sql]) => [name, this.db.prepare(sql)]),
    ) as Record<keyof typeof VERDICT_SQL, Database.Statement>;
    this.salt = (this.db.prepare(ERASURE_SQL.salt).get() as { value: string }).value;
    this.isErasedStmt = this.db.prepare(ERASURE_SQL.isErased);
    const background = options.workerThreads ?? (options.path !== ':memory:' && !options.mustExist);
    this.checkpointer = background ? new WalCheckpointer({ path: options.path, onError: options.onCheckpointError }) : null;
    this.onCheckpointError = options.onCheckpointError;
    this.reader = background ? new ReaderThread(options.path) : null;
  }

  /**
   * Group commit: every write requested in the same event-loop turn (webhook ingests, job
   * claims and results, plans) runs in one transaction. A batch holding a durable write (an
   * ingest: its 202 promises the response is on disk) commits with `synchronous=FULL`, one
   * fsync for all of it; a batch of job bookkeeping only commits with `NORMAL` — no fsync of
   * its own: WAL frames are appended in order, so the next durable commit's fsync carries it
   * to disk too. A process crash loses none of it; a power cut can lose the last moments of
   * bookkeeping, which only re-runs jobs (their idempotency keys and the connectors' remote
   * lookups keep that effect-once). A write that throws rolls back alone and rejects alone
   * (the batch is redone one write per transaction).
   */
  private write<T>(write: () => T, durable = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, durable, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (!batch.length) return;
    const sync = this.durableSync === 'FULL' && batch.some((p) => p.durable) ? 'FULL' : 'NORMAL';
    if (sync !== this.currentSync) {
      this.db.pragma(`synchronous = ${sync}`);
      this.currentSync = sync;
    }
    let values: unknown[];
    try {
      values = this.db.transaction(() => batch.map((p) => p.write()))();
    } catch {
      // Rare: one write failed and rolled the batch back. Redo each alone so only it fails.
      for (const p of batch) {
        try {
          p.resolve(this.db.transaction(p.write)());
        } catch (error) {
          p.reject(error);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(values[i]));
  }

  ingest(input: IngestInput): Promise<IngestResult> {
    return this.write(() => this.ingestOne(input, this.now().toISOString()), true);
  }

  private ingestOne(input: IngestInput, receivedAt: string): IngestResult {
    const r = input.response;
    if (this.isErasedStmt.get(this.saltedKey(erasedResponseParts(r.source, r.sourceResponseId)))) return { id: '', duplicate: false, erased: true };
    const id = newId();
    const data = JSON.stringify(r);
    // The ids are ours, so inserts report only whether a row went in (no RETURNING: it costs a
    // third of an insert).
    const marks = input.marks ?? {};
    const inserted = this.stmt.insertResponse.run(...responseValues(id, r, data, receivedAt, input.rawBody, input.contentType, marks)).changes > 0;
    if (inserted) {
      // Version 1 lives in the response row; it enters the history only when a version 2 replaces
      // it. Its plan job is written by the next claim (queueUnplanned): the row is the durable mark.
      return { id, duplicate: false, version: 1 };
    }
    const existing = this.stmt.responseForIngest.get(r.source, r.sourceResponseId) as
      | { id: string; version: number; fingerprint: string | null; data: string; at: string; delivery_digest: string | null; source_revision: number | null; scrubbed_at: string | null };
    // Retention removed its personal data: a resend must not bring it back.
    if (existing.scrubbed_at !== null) return { id: existing.id, duplicate: true, version: existing.version };
    const stored = { version: existing.version, digest: existing.delivery_digest, revision: existing.source_revision };
    // A resend is compared with the response as first received: the stored data itself, or its
    // fingerprint once a stub's data was completed from the vendor's API. Only then is it hashed.
    const verdict = versionVerdict({
      stored,
      incoming: marks,
      sameContent: existing.fingerprint === null ? existing.data === data : existing.fingerprint === contentFingerprint(data),
      digestVersion: (digest) => (this.stmt.versionWithDigest.get(existing.id, digest) as { version: number } | undefined)?.version,
    });
    if (verdict.kind === 'duplicate') return { id: existing.id, duplicate: true, version: existing.version };
    if (verdict.kind === 'stale') return { id: existing.id, duplicate: false, version: existing.version, stale: verdict.reason };
    // Keep the version being replaced (version 1 is not in the history until now).
    this.stmt.insertResponseVersion.run(existing.id, existing.version, existing.data, existing.at, existing.delivery_digest);
    const digest = marks.digest ?? null;
    const { version } = this.stmt.updateResponse.get(...responseUpdateValues(existing.id, r, data, receivedAt, input.rawBody, input.contentType, digest, revisionAfter(stored, marks))) as { version: number };
    this.stmt.insertResponseVersion.run(existing.id, version, data, receivedAt, digest);
    this.insertJob(planJobFor(existing.id, receivedAt, version), receivedAt);
    return { id: existing.id, duplicate: false, updated: true, version };
  }

  completeResponse(id: string, version: number, response: NormalizedResponse) {
    return this.write(() => {
      // The version's history always gets the answers (follow-ups compare against it); the
      // response itself only if no newer version arrived meanwhile.
      const data = JSON.stringify(response);
      this.stmt.completeResponseVersion.run(data, id, version);
      // The stub's data, replaced here, is what a resend of its event must still be compared with.
      const stub = this.stmt.currentResponseVersion.get(id, version) as { data: string } | undefined;
      if (!stub) return false;
      return this.stmt.completeResponse.run(...responseCompleteValues(id, version, response, data, contentFingerprint(stub.data))).changes > 0;
    });
  }

  async getResponseVersion(id: string, version: number) {
    // The history holds replaced versions; the current one is the response row itself.
    const row = (this.stmt.getResponseVersion.get(id, version) ?? this.stmt.currentResponseVersion.get(id, version)) as { data: string } | undefined;
    return row && (JSON.parse(row.data) as NormalizedResponse);
  }

  private insertJob(job: NewJob, now: string): string | undefined {
    const id = newId();
    return this.stmt.insertJob.run(...jobValues(id, job, now)).changes > 0 ? id : undefined;
  }

  async getResponse(id: string) {
    const row = this.stmt.getResponse.get(id) as ResponseRow | undefined;
    return row && responseFromRow(row);
  }

  async listResponses(filter: ResponseFilter) {
    const q = responseListQuery(filter);
    return (this.db.prepare(q.sql).all(...q.params) as ResponseRow[]).map(responseFromRow);
  }

  async listResponsesByEmail(email: string, limit: number) {
    return (this.verdictStmt.responsesByEmail.all(...responsesByEmailValues(email, limit)) as ResponseRow[]).map(responseFromRow);
  }

  async listVerdicts(responseId: string) {
    return (this.verdictStmt.list.all(...verdictListValues(responseId)) as VerdictRow[]).map(verdictFromRow);
  }

  async getRawBody(id: string) {
    return this.stmt.getRawBody.get(id) as { body: string; contentType: string } | undefined;
  }

  enqueueJobs(jobs: NewJob[]) {
    const now = this.now().toISOString();
    return this.write(() => jobs.map((j) => this.insertJob(j, now)).filter((id): id is string => !!id));
  }

  commitPlan(plan: PlanWrite, now: string) {
    return this.write(() => {
      if (!this.stmt.responseExists.get(plan.responseId)) return false;
      for (const job of plan.jobs) this.insertJob(job, now);
      for (const run of plan.recipeRuns) {
        this.stmt.insertRecipeRun.run(run.recipe, run.respondentKey, plan.responseId, run.at);
      }
      if (plan.tags) this.runAll(tagStatements(plan.tags));
      plan.verdicts.forEach((v, position) => this.verdictStmt.insert.run(...verdictValues(v, position)));
      if (plan.segments) for (const q of segmentWrites(plan.segments)) this.run(q);
      this.stmt.finishPlanJob.run(now, plan.planJobId);
      return true;
    });
  }

  /** Prepared once per distinct SQL text (the theme statements are built with their values). */
  private readonly prepared = new Map<string, Database.Statement>();
  private prepare(sql: string): Database.Statement {
    let stmt = this.prepared.get(sql);
    if (!stmt) this.prepared.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  private runAll(statements: Statement[]): void {
    for (const s of statements) this.prepare(s.sql).run(...s.params);
  }

  tagResponses(tags: TaggedResponse[]) {
    return this.write(() => {
      for (const t of tags) this.runAll(tagStatements(t));
    });
  }

  async responsesToTag(afterSeq: number, rules: string, limit: number) {
    const q = responsesToTagQuery(afterSeq, rules, limit);
    return this.prepare(q.sql).all(...q.params) as ResponseToTag[];
  }

  async themeCounts(filter: ThemeCountsFilter): Promise<ThemeCounts> {
    const base = commentedCountsQuery(filter);
    const themes = themeCountsQuery(filter);
    // Reads over a period of history: on the reader thread when there is one, like npsCounts.
    const get = (q: Statement) => (this.reader ? this.reader.get(q.sql, q.params) : this.prepare(q.sql).get(...q.params));
    const { untagged, ...commented } = (await get(base)) as ThemeCounts['commented'] & { untagged: number };
    const { byTheme } = (await get(themes)) as { byTheme: string };
    return { commented, untagged, byTheme: JSON.parse(byTheme) as ThemeCounts['byTheme'] };
  }

  async listVerbatims(filter: VerbatimFilter) {
    const q = verbatimsQuery(filter);
    return (this.prepare(q.sql).all(...q.params) as VerbatimRow[]).map(verbatimFromRow);
  }

  /** Run a statement built by a store module, prepared once per distinct SQL. */
  private run(q: Statement) {
    return this.prepare(q.sql).run(...q.params);
  }

  claimJobs(options: ClaimOptions) {
    return this.write(() => {
      this.queueUnplanned(options.limit);
      const rows = this.stmt.claimJobs.all(options.leaseUntil, options.now, options.now, options.limit, options.now, options.limit, options.limit) as JobRow[];
      // RETURNING lists rows in the order they were updated (by seq); the runner starts them in turn.
      return rows.sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : a.seq - b.seq)).map(jobFromRow);
    });
  }

  /**
   * Write the plan jobs of up to `limit` responses stored without one, oldest first, and move the
   * cursor past them. A plan job is due from its response's arrival (`run_at` = received time), so
   * it takes its turn in the queue as if ingest had written it. Keyed, so a second writer's
   * overlapping pass inserts nothing twice.
   */
  private queueUnplanned(limit: number): void {
    const rows = this.stmt.unplannedResponses.all(limit) as { seq: number; id: string; received_at: string }[];
    for (const r of rows) this.insertJob(planJobFor(r.id, r.received_at), r.received_at);
    const last = rows.at(-1);
    if (last) this.stmt.advancePlanCursor.run({ seq: last.seq });
  }

  finishAttempt(job: Job, attempt: Omit<JobAttempt, 'outcome' | 'error' | 'remoteStatus'>, result: AttemptResult) {
    const status = result.outcome === 'retry' ? 'queued' : result.outcome;
    return this.write(() => {
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
    });
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

  replayJobs(ids: string[], now: string) {
    return this.write(() => ids.reduce((n, id) => n + this.stmt.replayJob.run(now, now, now, id).changes, 0), true);
  }

  async npsCounts(filter: NpsFilter): Promise<NpsCounts> {
    // A year of a busy hub's responses is a long read: it runs on the reader thread.
    const q = npsCountsQuery(filter);
    return (this.reader ? await this.reader.get(q.sql, q.params) : this.db.prepare(q.sql).get(...q.params)) as NpsCounts;
  }

  async segmentCounts(query: SegmentCountsQuery): Promise<SegmentCountRow[]> {
    // Over a year these are long reads too: on the reader thread.
    const rows: SegmentCountRow[] = [];
    for (const q of segmentCountQueries(query)) rows.push(...((this.reader ? await this.reader.all(q.sql, q.params) : this.db.prepare(q.sql).all(...q.params)) as SegmentCountRow[]));
    return foldUnknown(rows);
  }

  async digestVerbatims(since: string, until: string): Promise<DigestVerbatimRow[]> {
    const q = digestVerbatimsQuery(since, until);
    return (this.reader ? await this.reader.all(q.sql, q.params) : this.db.prepare(q.sql).all(...q.params)) as DigestVerbatimRow[];
  }

  async exportPage(filter: ExportFilter, afterSeq: number, limit: number): Promise<ExportRow[]> {
    const q = exportPageQuery(filter, afterSeq, limit);
    return this.db.prepare(q.sql).all(...q.params) as ExportRow[];
  }

  async listDeadJobIds(filter: DeadJobFilter) {
    const q = deadJobIdsQuery(filter);
    return (this.db.prepare(q.sql).all(...q.params) as { id: string }[]).map((r) => r.id);
  }

  extendLeases(running: { id: string; attempts: number }[], leaseUntil: string) {
    return this.write(() => {
      for (const job of running) this.stmt.extendLease.run(leaseUntil, job.id, job.attempts);
    });
  }

  releaseJob(job: Job, runAt: string, now: string) {
    return this.write(() => {
      this.stmt.releaseJob.run(runAt, now, job.id, job.attempts);
    });
  }

  async queueStats(now: string): Promise<QueueStats> {
    const byStatus = ALL_STATUSES_ZERO();
    for (const row of this.stmt.countByStatus.all() as { status: keyof typeof byStatus; n: number }[]) {
      byStatus[row.status] = row.n;
    }
    const { oldest } = this.stmt.oldestWaiting.get(now) as { oldest: string | null };
    const pending = (this.stmt.oldestPending.get() as { oldest: string | null }).oldest;
    // Responses whose plan job is not written yet wait like queued plan jobs, since their arrival.
    const unplanned = this.stmt.unplannedStats.get() as { n: number; oldest: string | null };
    const age = (...times: (string | null)[]) => {
      const oldest = times.filter((t): t is string => t !== null).sort()[0];
      return oldest === undefined ? null : Math.max(0, (Date.parse(now) - Date.parse(oldest)) / 1000);
    };
    return { byStatus, unplanned: unplanned.n, oldestWaitingSeconds: age(oldest, unplanned.oldest), oldestPendingSeconds: age(pending, unplanned.oldest) };
  }

  async lastRecipeRun(recipe: string, respondentKey: string, exceptResponseId: string) {
    const row = this.stmt.lastRecipeRun.get(recipe, respondentKey, exceptResponseId) as { at: string | null };
    return row.at ?? undefined;
  }

  async getCachedEnrichment(key: string, now: string) {
    const row = this.stmt.getCachedEnrichment.get(key, now) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  /** A bookkeeping write (no fsync of its own): a lost cache entry only costs one more CRM call. */
  async putCachedEnrichment(key: string, value: unknown, fetchedAt: string, expiresAt: string) {
    await this.write(() => {
      this.stmt.deleteExpiredEnrichment.run(fetchedAt);
      this.stmt.putCachedEnrichment.run(key, JSON.stringify(value), fetchedAt, expiresAt);
    });
  }

  async findLoopResponse(target: LoopTarget) {
    const q = loopTargetQuery(target);
    return (this.db.prepare(q.sql).get(...q.params) as { response_id: string } | undefined)?.response_id;
  }

  recordLoopEvent(responseId: string, event: LoopEvent, receivedAt: string) {
    return this.write(() => {
      const recorded = insertLoopEvent(responseId, event, receivedAt);
      const duplicate = this.db.prepare(recorded.sql).run(...recorded.params).changes === 0;
      if (!duplicate) {
        const moved = upsertLoop(responseId, event);
        this.db.prepare(moved.sql).run(...moved.params);
      }
      const q = loopOfResponse(responseId);
      const row = this.db.prepare(q.sql).get(...q.params) as LoopRow | undefined;
      if (!row) throw new Error(`response ${responseId} has no action job: it has no loop`);
      return { duplicate, loop: loopFromRow(row) };
    }, true);
  }

  async overdueLoops(after: string, before: string, limit: number) {
    const q = overdueLoopsQuery(after, before, limit);
    return this.db.prepare(q.sql).all(...q.params) as { id: string; version: number }[];
  }

  async getLoop(responseId: string) {
    const q = loopOfResponse(responseId);
    const row = this.db.prepare(q.sql).get(...q.params) as LoopRow | undefined;
    return row && loopFromRow(row);
  }

  async loopRows(filter: LoopFilter) {
    // A period of history: on the reader thread, off the event loop, like the NPS figures.
    const q = loopRowsQuery(filter);
    const rows = this.reader ? await this.reader.all(q.sql, q.params) : this.db.prepare(q.sql).all(...q.params);
    return (rows as Record<string, unknown>[]).map(loopRowFromSegmented);
  }

  /** The read and the writes of src/store/erasure.ts, in one transaction (durable: the answer promises it is gone). */
  async forgetRespondent(email: string, now: string): Promise<ErasureReport> {
    const report = await this.write(() => {
      const responses = this.query(respondentResponsesQuery(email)) as RespondentResponseRow[];
      const plan = erasurePlan({
        email,
        now,
        responses,
        jobs: this.query(respondentJobsQuery(responses.map((r) => r.id))) as ErasedJobRow[],
        record: this.query(erasureRecordQuery(this.saltedKey(erasureEmailParts(email))))[0] as { downstream: string } | undefined,
        saltedKey: (parts) => this.saltedKey(parts),
      });
      const returned: Record<string, number> = {};
      for (const w of plan.writes) {
        const rows = this.query(w.statement);
        if (w.counts) returned[w.counts] = rows.length;
      }
      return plan.report(returned);
    }, true);
    await this.emptyWal();
    return report;
  }

  forgetCachedEnrichment(email: string) {
    return this.write(() => {
      this.query(cachedLookupsDelete(email));
    });
  }

  /** Retention, a chunk per transaction (other writes go between chunks). */
  async scrubPersonalData(cutoff: string, now: string, chunk = 500): Promise<number> {
    let scrubbed = 0;
    for (;;) {
      const step = await this.write(() => {
        const { seq } = this.db.prepare(RETENTION_SQL.cursor).get() as { seq: number };
        const { rows, done } = oldRows(this.query(retentionChunkQuery(seq, chunk)) as { seq: number; id: string; received_at: string }[], cutoff, chunk);
        if (!rows.length) return { n: 0, done: true };
        const [responses, ...rest] = scrubStatements(rows.map((r) => r.id), rows.at(-1)!.seq, now);
        const n = this.query(responses!).length;
        for (const st of rest) this.query(st);
        return { n, done };
      }, true);
      scrubbed += step.n;
      if (step.done) break;
    }
    if (scrubbed) await this.emptyWal();
    return scrubbed;
  }

  /**
   * Erased and scrubbed rows are zeroed in the database (`secure_delete`), but the WAL file still
   * holds the pages as they were until it is checkpointed and cut to zero bytes. The checkpointer
   * thread does it off the event loop; without one (CLI, `:memory:`) this connection does.
   */
  private async emptyWal(): Promise<void> {
    const emptied = this.checkpointer ? await this.checkpointer.truncate() : (this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]?.busy === 0;
    if (!emptied) this.onCheckpointError?.('the WAL file could not be emptied after an erasure (readers kept it busy): erased data stays in it until a later erasure or retention pass empties it');
  }

  /** Run one statement of a runtime-agnostic module: its rows (a read, or a write with RETURNING), else none. */
  private query(st: Statement): unknown[] {
    const prepared = this.db.prepare(st.sql);
    if (prepared.reader) return prepared.all(...st.params);
    prepared.run(...st.params);
    return [];
  }

  /** SHA-256 (hex) of the salt and these parts (src/store/erasure.ts). */
  private saltedKey(parts: readonly string[]): string {
    return createHash('sha256').update(saltedKeyText(this.salt, parts)).digest('hex');
  }

  async close() {
    this.flush();
    await this.checkpointer?.stop();
    await this.reader?.stop();
    this.db.close();
  }

  /** The Slack app's statements (src/store/slack-actions.ts): reads in line, each write one batch through the group commit. */
  slackSql(): SlackActionsDriver {
    return {
      all: async <Row>(st: Statement) => this.query(st) as Row[],
      batch: (statements: Statement[]) => this.write(() => statements.map((st) => this.query(st)), true),
    };
  }
}

/** SHA-256 of a response's normalized JSON: equal content, equal fingerprint. */
function contentFingerprint(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Apply the migrations this database has not seen, each in its own transaction. */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  // In version order whatever the list order, and a gap in the numbering is fine.
  for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
  }
}
