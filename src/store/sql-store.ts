import type { AttemptResult, Job, JobAttempt, NewJob } from '../core/job.js';
import type { NormalizedResponse } from '../core/response.js';
import { PLAN_MAX_ATTEMPTS, planJobFor } from '../jobs/plan-job.js';
import type { LoopEvent, LoopTarget } from '../loops/loop-event.js';
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
} from './erasure.js';
import { newId } from './ids.js';
import { insertLoopEvent, loopFromRow, loopOfResponse, loopRowFromSegmented, loopRowsQuery, loopTargetQuery, overdueLoopsQuery, upsertLoop, type LoopFilter, type LoopRow } from './loops.js';
import { revisionAfter, versionVerdict } from './replay-guard.js';
import { RETENTION_SQL, oldRows, retentionChunkQuery, scrubStatements } from './retention.js';
import {
  ALL_STATUSES_ZERO,
  SQL,
  attemptFromRow,
  deadJobIdsQuery,
  jobFromRow,
  jobListQuery,
  jobValues,
  npsCountsQuery,
  responseCompleteValues,
  responseFromRow,
  responseListQuery,
  responseUpdateValues,
  responseValues,
  type AttemptRow,
  type JobRow,
  type ResponseRow,
} from './rows.js';
import { digestVerbatimsQuery, exportPageQuery, foldUnknown, segmentCountQueries, segmentWrites, type DigestVerbatimRow, type ExportFilter, type ExportRow, type SegmentCountRow, type SegmentCountsQuery } from './segments-sql.js';
import { webCryptoSha256Hex, type Sha256Hex } from './sha256.js';
import type { SqlDriver } from './sql-driver.js';
import { backtestPageQuery, throttleMarksQuery, type BacktestFilter, type BacktestRow, type ThrottleMarkRow } from './backtest.js';
import * as campaignSql from './campaigns.js';
import { connectorQueueQuery, oldestWaitingJobQuery, recipeMatchCountsQuery, replayProgressQuery, responseSearchQuery, responseSnapshotFromRow, responseSnapshotQuery, type ConnectorQueueRow, type RecipeMatchCount, type ReplayProgress, type ResponseSearch } from './response-search.js';
import type { Statement } from './statement.js';
import type { ClaimOptions, DeadJobFilter, IngestInput, IngestResult, JobFilter, NpsCounts, NpsFilter, PlanWrite, QueueStats, ResponseFilter, Store } from './store.js';
import {
  commentedCountsQuery,
  responsesToTagQuery,
  tagStatements,
  themeCountsQuery,
  verbatimFromRow,
  verbatimsQuery,
  type ResponseToTag,
  type TaggedResponse,
  type ThemeCounts,
  type ThemeCountsFilter,
  type VerbatimFilter,
  type VerbatimRow,
} from './theme-tags.js';
import { VERDICT_SQL, responsesByEmailValues, verdictFromRow, verdictListValues, verdictValues, type VerdictRow } from './verdicts.js';

export interface SqlStoreOptions {
  /** Clock of ingest (`received_at`), for tests. Default: the system clock. */
  now?: () => Date;
  /**
   * SHA-256 (hex) of fingerprints and salted keys. Default: Web Crypto. The Node store passes
   * node:crypto's: Node 20's `crypto.subtle.digest` costs ~60 µs a call, and ingest hashes once.
   */
  sha256Hex?: Sha256Hex;
  /**
   * Statements run in the same batch as a new response's row, atomically with it. The Worker
   * passes the plan-job writing (src/store/job-queue.ts, `planUnplanned`), so a response and its
   * plan job are stored together. Default none: on Node the runner's next claim writes plan jobs,
   * and the request path writes the one row it must.
   */
  withNewResponse?: () => Statement[];
}

/** What ingest reads of a stored response to judge a resend ({@link SQL.responseForIngest}). */
interface IngestRow {
  id: string;
  version: number;
  fingerprint: string | null;
  data: string;
  at: string;
  delivery_digest: string | null;
  source_revision: number | null;
  scrubbed_at: string | null;
}

/** Optimistic writes retry this often when another writer changed what they read, then give up. */
const MAX_ROUNDS = 16;

const statement = (sql: string, ...params: unknown[]): Statement => ({ sql, params });

/**
 * The hub's store over any {@link SqlDriver}: every rule of storage (dedupe and versions of
 * responses, plan jobs, job states, plans, erasure, retention) lives here once, for better-sqlite3
 * and D1 alike. Each atomic write is one `driver.batch()` whose statements carry their guards;
 * where a read decides what to write, the batch is guarded by what was read and retried when
 * another writer got there first.
 */
export class SqlStore implements Store {
  private readonly now: () => Date;
  private readonly sha256Hex: Sha256Hex;
  private readonly withNewResponse: (() => Statement[]) | undefined;
  /** The erasure salt (migration 13), read once; never logged. */
  private salt: Promise<string> | undefined;
  private saltValue: string | undefined;

  constructor(
    /** Its driver: concepts with a store module of their own (src/store/slack-actions.ts) run their statements on it. */
    readonly driver: SqlDriver,
    options: SqlStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sha256Hex = options.sha256Hex ?? webCryptoSha256Hex;
    this.withNewResponse = options.withNewResponse;
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const r = input.response;
    const receivedAt = this.now().toISOString();
    const data = JSON.stringify(r);
    const marks = input.marks ?? {};
    // Awaited only when it is a promise: the salt is read once, and node:crypto hashes in line.
    const key = this.saltedKey(erasedResponseParts(r.source, r.sourceResponseId));
    const erasedKey = typeof key === 'string' ? key : await key;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // The one write of a new response: its row (its plan job comes with the next claim, or with
      // the row when `withNewResponse` says so).
      const id = newId();
      const [, source, ...rest] = responseValues(id, r, data, receivedAt, input.rawBody, input.contentType, marks);
      const insert: Statement = { sql: SQL.insertResponse, params: [id, source, erasedKey, ...rest] };
      const [inserted = []] = this.withNewResponse ? await this.driver.batch([insert, ...this.withNewResponse()]) : [await this.driver.run(insert)];
      if (inserted.length) return { id, duplicate: false, version: 1 };
      const existing = await this.driver.get<IngestRow>(statement(SQL.responseForIngest, r.source, r.sourceResponseId));
      if (!existing) {
        if (await this.driver.get(statement(ERASURE_SQL.isErased, erasedKey))) return { id: '', duplicate: false, erased: true };
        continue; // erased and gone between the two statements: ask again
      }
      // Retention removed its personal data: a resend must not bring it back.
      if (existing.scrubbed_at !== null) return { id: existing.id, duplicate: true, version: existing.version };
      const stored = { version: existing.version, digest: existing.delivery_digest, revision: existing.source_revision };
      // A resend is compared with the response as first received: the stored data itself, or its
      // fingerprint once a stub's data was completed from the vendor's API.
      const sameContent = existing.fingerprint === null ? existing.data === data : existing.fingerprint === (await this.sha256Hex(data));
      const earlier =
        !sameContent && marks.digest !== undefined && marks.digest !== stored.digest
          ? (await this.driver.get<{ version: number }>(statement(SQL.versionWithDigest, existing.id, marks.digest)))?.version
          : undefined;
      const verdict = versionVerdict({ stored, incoming: marks, sameContent, digestVersion: () => earlier });
      if (verdict.kind === 'duplicate') return { id: existing.id, duplicate: true, version: existing.version };
      if (verdict.kind === 'stale') return { id: existing.id, duplicate: false, version: existing.version, stale: verdict.reason };
      const version = existing.version + 1;
      const digest = marks.digest ?? null;
      const guard = [existing.id, existing.version];
      // Every write is guarded by the version read, and the response's own update comes last:
      // if another writer moved it meanwhile, none of them happens and the resend is judged again.
      const results = await this.driver.batch([
        // The version being replaced enters the history (version 1 is not in it until now).
        statement(SQL.insertResponseVersion, existing.id, existing.version, existing.data, existing.at, existing.delivery_digest, ...guard),
        statement(SQL.insertResponseVersion, existing.id, version, data, receivedAt, digest, ...guard),
        statement(SQL.insertJobOfVersion, ...jobValues(newId(), planJobFor(existing.id, receivedAt, version), receivedAt), ...guard),
        statement(SQL.updateResponse, ...responseUpdateValues(existing.id, r, data, receivedAt, input.rawBody, input.contentType, digest, revisionAfter(stored, marks)), existing.version),
      ]);
      if (results[3]!.length) return { id: existing.id, duplicate: false, updated: true, version };
    }
    throw new Error(`ingest of ${r.source} response ${r.sourceResponseId} did not settle in ${MAX_ROUNDS} rounds (other writers kept changing it, or a value broke a constraint)`);
  }

  async completeResponse(id: string, version: number, response: NormalizedResponse) {
    const data = JSON.stringify(response);
    // The stub's data, replaced here, is what a resend of its event must still be compared with.
    const stub = await this.driver.get<{ data: string }>(statement(SQL.currentResponseVersion, id, version));
    const history = statement(SQL.completeResponseVersion, data, id, version);
    // The version's history always gets the answers (follow-ups compare against it); the
    // response itself only if no newer version arrived meanwhile (its update is guarded by version).
    if (!stub) return (await this.driver.run(history, { durable: false }), false);
    const [, completed] = await this.driver.batch([history, statement(SQL.completeResponse, ...responseCompleteValues(id, version, response, data, await this.sha256Hex(stub.data)))], { durable: false });
    return completed!.length > 0;
  }

  async getResponseVersion(id: string, version: number) {
    // The history holds replaced versions; the current one is the response row itself.
    const row = (await this.driver.get<{ data: string }>(statement(SQL.getResponseVersion, id, version))) ?? (await this.driver.get<{ data: string }>(statement(SQL.currentResponseVersion, id, version)));
    return row && (JSON.parse(row.data) as NormalizedResponse);
  }

  async getResponse(id: string) {
    const row = await this.driver.get<ResponseRow>(statement(SQL.getResponse, id));
    return row && responseFromRow(row);
  }

  async listResponses(filter: ResponseFilter) {
    return (await this.driver.all<ResponseRow>(responseListQuery(filter))).map(responseFromRow);
  }

  async listResponsesByEmail(email: string, limit: number) {
    return (await this.driver.all<ResponseRow>(statement(VERDICT_SQL.responsesByEmail, ...responsesByEmailValues(email, limit)))).map(responseFromRow);
  }

  async listVerdicts(responseId: string) {
    return (await this.driver.all<VerdictRow>(statement(VERDICT_SQL.list, ...verdictListValues(responseId)))).map(verdictFromRow);
  }

  getRawBody(id: string) {
    return this.driver.get<{ body: string; contentType: string }>(statement(SQL.getRawBody, id));
  }

  async enqueueJobs(jobs: NewJob[]) {
    if (!jobs.length) return [];
    const now = this.now().toISOString();
    const results = await this.driver.batch(
      jobs.map((j) => statement(SQL.insertJob, ...jobValues(newId(), j, now))),
      { durable: false },
    );
    return results.flatMap((rows) => (rows as { id: string }[]).map((row) => row.id));
  }

  async commitPlan(plan: PlanWrite, now: string) {
    // Each write is guarded by the response's existence: a response erased while it was planned
    // gets no jobs, no throttle marks, no verdicts (the first statement tells).
    const writes: Statement[] = [statement(SQL.responseExists, plan.responseId)];
    for (const job of plan.jobs) writes.push(statement(SQL.insertJobOfResponse, ...jobValues(newId(), job, now), plan.responseId));
    for (const run of plan.recipeRuns) writes.push(statement(SQL.insertRecipeRun, run.recipe, run.respondentKey, plan.responseId, run.at, plan.responseId));
    if (plan.tags) writes.push(...tagStatements(plan.tags));
    plan.verdicts.forEach((v, position) => writes.push(statement(VERDICT_SQL.insert, ...verdictValues(v, position))));
    if (plan.segments) writes.push(...segmentWrites(plan.segments));
    writes.push(statement(SQL.finishPlanJob, now, plan.planJobId));
    const [present] = await this.driver.batch(writes, { durable: false });
    return present!.length > 0;
  }

  async tagResponses(tags: TaggedResponse[]) {
    if (tags.length) await this.driver.batch(tags.flatMap(tagStatements), { durable: false });
  }

  responsesToTag(afterSeq: number, rules: string, limit: number) {
    return this.driver.all<ResponseToTag>(responsesToTagQuery(afterSeq, rules, limit));
  }

  async themeCounts(filter: ThemeCountsFilter): Promise<ThemeCounts> {
    // Reads over a period of history, like npsCounts.
    const [base, themes] = await Promise.all([
      this.driver.get<ThemeCounts['commented'] & { untagged: number }>(commentedCountsQuery(filter), { long: true }),
      this.driver.get<{ byTheme: string }>(themeCountsQuery(filter), { long: true }),
    ]);
    const { untagged, ...commented } = base!;
    return { commented, untagged, byTheme: JSON.parse(themes!.byTheme) as ThemeCounts['byTheme'] };
  }

  async listVerbatims(filter: VerbatimFilter) {
    return (await this.driver.all<VerbatimRow>(verbatimsQuery(filter))).map(verbatimFromRow);
  }

  /**
   * Write the plan jobs of up to `limit` responses stored without one (oldest first) and move the
   * cursor past them, then claim due jobs, in one batch. A plan job is due from its response's
   * arrival, so it takes its turn as if ingest had written it.
   */
  async claimJobs(options: ClaimOptions) {
    const ids = JSON.stringify(Array.from({ length: options.limit }, newId));
    const [, , claimed] = await this.driver.batch(
      [
        statement(SQL.queueUnplanned, PLAN_MAX_ATTEMPTS, options.limit, ids),
        statement(SQL.advancePlanCursor, options.limit),
        statement(SQL.claimJobs, options.leaseUntil, options.now, options.now, options.limit, options.now, options.limit, options.limit),
      ],
      { durable: false },
    );
    // RETURNING lists rows in the order they were updated; the runner starts them oldest first.
    return (claimed as JobRow[]).sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : a.seq - b.seq)).map(jobFromRow);
  }

  async finishAttempt(job: Job, attempt: Omit<JobAttempt, 'outcome' | 'error' | 'remoteStatus'>, result: AttemptResult) {
    const status = result.outcome === 'retry' ? 'queued' : result.outcome;
    await this.driver.batch(
      [
        statement(SQL.insertAttempt, attempt.jobId, attempt.attempt, attempt.startedAt, attempt.finishedAt, result.outcome, result.error ?? null, result.remoteStatus ?? null),
        statement(
          SQL.finishJob,
          status,
          result.runAt ?? job.runAt,
          result.error ?? null,
          result.result === undefined ? null : JSON.stringify(result.result),
          attempt.finishedAt,
          job.id,
          job.attempts,
        ),
        // A campaign cancelled while this attempt ran: its retry is cancelled instead.
        ...(status === 'queued' && job.key.startsWith('campaign:') ? [campaignSql.cancelRetryOfCancelledCampaign(job.id, attempt.finishedAt)] : []),
      ],
      { durable: false },
    );
  }

  async getJob(id: string) {
    const row = await this.driver.get<JobRow>(statement(SQL.getJob, id));
    return row && jobFromRow(row);
  }

  async listJobs(filter: JobFilter) {
    return (await this.driver.all<JobRow>(jobListQuery(filter))).map(jobFromRow);
  }

  async listAttempts(jobId: string) {
    return (await this.driver.all<AttemptRow>(statement(SQL.listAttempts, jobId))).map(attemptFromRow);
  }

  async replayJobs(ids: string[], now: string) {
    if (!ids.length) return 0;
    const results = await this.driver.batch(ids.map((id) => statement(SQL.replayJob, now, now, now, id)));
    return results.reduce((n, rows) => n + rows.length, 0);
  }

  async npsCounts(filter: NpsFilter): Promise<NpsCounts> {
    // A year of a busy hub's responses is a long read.
    return (await this.driver.get<NpsCounts>(npsCountsQuery(filter), { long: true }))!;
  }

  async segmentCounts(query: SegmentCountsQuery): Promise<SegmentCountRow[]> {
    const rows: SegmentCountRow[] = [];
    for (const q of segmentCountQueries(query)) rows.push(...(await this.driver.all<SegmentCountRow>(q, { long: true })));
    return foldUnknown(rows);
  }

  digestVerbatims(since: string, until: string): Promise<DigestVerbatimRow[]> {
    return this.driver.all<DigestVerbatimRow>(digestVerbatimsQuery(since, until), { long: true });
  }

  exportPage(filter: ExportFilter, afterSeq: number, limit: number): Promise<ExportRow[]> {
    return this.driver.all<ExportRow>(exportPageQuery(filter, afterSeq, limit));
  }

  async listDeadJobIds(filter: DeadJobFilter) {
    return (await this.driver.all<{ id: string }>(deadJobIdsQuery(filter))).map((r) => r.id);
  }

  async extendLeases(running: { id: string; attempts: number }[], leaseUntil: string) {
    if (running.length) await this.driver.batch(running.map((job) => statement(SQL.extendLease, leaseUntil, job.id, job.attempts)), { durable: false });
  }

  async releaseJob(job: Job, runAt: string, now: string) {
    const release = statement(SQL.releaseJob, runAt, now, job.id, job.attempts);
    // A campaign cancelled while this job waited for its rate limit: cancelled instead of queued again.
    if (job.key.startsWith('campaign:')) await this.driver.batch([release, campaignSql.cancelRetryOfCancelledCampaign(job.id, now)], { durable: false });
    else await this.driver.run(release, { durable: false });
  }

  async queueStats(now: string): Promise<QueueStats> {
    const [counts, waiting, pending, unplanned] = await Promise.all([
      this.driver.all<{ status: keyof ReturnType<typeof ALL_STATUSES_ZERO>; n: number }>(statement(SQL.countByStatus)),
      this.driver.get<{ oldest: string | null }>(statement(SQL.oldestWaiting, now)),
      this.driver.get<{ oldest: string | null }>(statement(SQL.oldestPending)),
      // Responses whose plan job is not written yet wait like queued plan jobs, since their arrival.
      this.driver.get<{ n: number; oldest: string | null }>(statement(SQL.unplannedStats)),
    ]);
    const byStatus = ALL_STATUSES_ZERO();
    for (const row of counts) byStatus[row.status] = row.n;
    const age = (...times: (string | null | undefined)[]) => {
      const oldest = times.filter((t): t is string => typeof t === 'string').sort()[0];
      return oldest === undefined ? null : Math.max(0, (Date.parse(now) - Date.parse(oldest)) / 1000);
    };
    return {
      byStatus,
      unplanned: unplanned?.n ?? 0,
      oldestWaitingSeconds: age(waiting?.oldest, unplanned?.oldest),
      oldestPendingSeconds: age(pending?.oldest, unplanned?.oldest),
    };
  }

  async lastRecipeRun(recipe: string, respondentKey: string, exceptResponseId: string) {
    const row = await this.driver.get<{ at: string | null }>(statement(SQL.lastRecipeRun, recipe, respondentKey, exceptResponseId));
    return row?.at ?? undefined;
  }

  async getCachedEnrichment(key: string, now: string) {
    const row = await this.driver.get<{ value: string }>(statement(SQL.getCachedEnrichment, key, now));
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  /** A bookkeeping write (not durable): a lost cache entry only costs one more CRM call. */
  async putCachedEnrichment(key: string, value: unknown, fetchedAt: string, expiresAt: string) {
    await this.driver.batch([statement(SQL.deleteExpiredEnrichment, fetchedAt), statement(SQL.putCachedEnrichment, key, JSON.stringify(value), fetchedAt, expiresAt)], { durable: false });
  }

  async findLoopResponse(target: LoopTarget) {
    return (await this.driver.get<{ response_id: string }>(loopTargetQuery(target)))?.response_id;
  }

  async recordLoopEvent(responseId: string, event: LoopEvent, receivedAt: string) {
    const [recorded, , loop] = await this.driver.batch([insertLoopEvent(responseId, event, receivedAt), upsertLoop(responseId, event, receivedAt), loopOfResponse(responseId)]);
    const row = loop![0] as LoopRow | undefined;
    if (!row) throw new Error(`response ${responseId} has no action job: it has no loop`);
    return { duplicate: recorded!.length === 0, loop: loopFromRow(row) };
  }

  overdueLoops(after: string, before: string, limit: number) {
    return this.driver.all<{ id: string; version: number }>(overdueLoopsQuery(after, before, limit));
  }

  async getLoop(responseId: string) {
    const row = await this.driver.get<LoopRow>(loopOfResponse(responseId));
    return row && loopFromRow(row);
  }

  async loopRows(filter: LoopFilter) {
    // A period of history, like the NPS figures.
    return (await this.driver.all<Record<string, unknown>>(loopRowsQuery(filter), { long: true })).map(loopRowFromSegmented);
  }

  /**
   * The reads of src/store/erasure.ts, then its writes in one batch (every write keyed by the ids
   * the read found; a response stored for the email between the two arrived after the request).
   */
  async forgetRespondent(email: string, now: string): Promise<ErasureReport> {
    const responses = await this.driver.all<RespondentResponseRow>(respondentResponsesQuery(email));
    const [jobs, record] = await Promise.all([
      this.driver.all<ErasedJobRow>(respondentJobsQuery(responses.map((r) => r.id))),
      this.driver.get<{ downstream: string }>(erasureRecordQuery(await this.saltedKey(erasureEmailParts(email)))),
    ]);
    // The plan wants its keys synchronously: make them first.
    const keys = new Map<string, string>();
    for (const parts of [erasureEmailParts(email), ...responses.map((r) => erasedResponseParts(r.source, r.source_response_id))]) {
      keys.set(JSON.stringify(parts), await this.saltedKey(parts));
    }
    const plan = erasurePlan({ email, now, responses, jobs, record, saltedKey: (parts) => keys.get(JSON.stringify(parts))! });
    const results = await this.driver.batch(plan.writes.map((w) => w.statement));
    const returned: Record<string, number> = {};
    plan.writes.forEach((w, i) => {
      if (w.counts) returned[w.counts] = results[i]!.length;
    });
    await this.driver.purgeDeleted?.();
    return plan.report(returned);
  }

  async forgetCachedEnrichment(email: string) {
    await this.driver.run(cachedLookupsDelete(email), { durable: false });
  }

  /** Retention, a chunk per batch (other writes go between chunks). */
  async scrubPersonalData(cutoff: string, now: string, chunk = 500): Promise<number> {
    let scrubbed = 0;
    for (;;) {
      const cursor = await this.driver.get<{ seq: number }>(statement(RETENTION_SQL.cursor));
      const { rows, done } = oldRows(await this.driver.all<{ seq: number; id: string; received_at: string }>(retentionChunkQuery(cursor!.seq, chunk)), cutoff, chunk);
      if (rows.length) {
        // Every statement is idempotent and the cursor only moves forward: a concurrent pass is harmless.
        const [responses] = await this.driver.batch(scrubStatements(rows.map((r) => r.id), rows.at(-1)!.seq, now));
        scrubbed += responses!.length;
      }
      if (done || !rows.length) break;
    }
    if (scrubbed) await this.driver.purgeDeleted?.();
    return scrubbed;
  }

  /** A page of a recipe backtest (src/store/backtest.ts): reads only. */
  backtestPage(filter: BacktestFilter, afterSeq: number, limit: number): Promise<BacktestRow[]> {
    return this.driver.all<BacktestRow>(backtestPageQuery(filter, afterSeq, limit), { long: true });
  }

  throttleMarks(recipe: string, respondentKeys: readonly string[], notBefore: string, before: string): Promise<ThrottleMarkRow[]> {
    return this.driver.all<ThrottleMarkRow>(throttleMarksQuery(recipe, respondentKeys, notBefore, before));
  }

  // Campaigns (src/store/campaigns.ts): each write one batch of guarded statements.
  async campaignCandidates(query: campaignSql.CandidateQuery) {
    return (await this.driver.all<Record<string, unknown>>(campaignSql.candidatesQuery(query), { long: true })).map(campaignSql.candidateFromRow);
  }

  async createCampaign(campaign: campaignSql.CampaignWrite) {
    return campaignSql.createdFromRows(await this.driver.batch(campaignSql.createCampaignStatements(campaign)));
  }

  async releaseCampaignWave(release: campaignSql.WaveRelease) {
    return campaignSql.releasedFromRows(await this.driver.batch(campaignSql.releaseWaveStatements(release)));
  }

  async getCampaign(idOrName: string) {
    const row = await this.driver.get<Record<string, unknown>>(campaignSql.campaignQuery(idOrName));
    return row && campaignSql.campaignFromRow(row);
  }

  async listCampaigns(limit: number) {
    return (await this.driver.all<Record<string, unknown>>(campaignSql.campaignListQuery(limit))).map(campaignSql.campaignFromRow);
  }

  async campaignProgress(campaignId: string) {
    return (await this.driver.all<Record<string, unknown>>(campaignSql.waveProgressQuery(campaignId))).map(campaignSql.waveProgressFromRow);
  }

  async campaignMembers(campaignId: string) {
    return (await this.driver.all<Record<string, unknown>>(campaignSql.campaignMembersQuery(campaignId))).map(campaignSql.campaignMemberFromRow);
  }

  async cancelCampaign(cancel: campaignSql.CampaignCancel) {
    return campaignSql.cancelledFromRows(await this.driver.batch(campaignSql.cancelCampaignStatements(cancel)));
  }

  async pausedCampaignWaves() {
    return (await this.driver.all<Record<string, unknown>>(campaignSql.pausedWavesQuery())).map(campaignSql.pausedWaveFromRow);
  }

  // The dashboard's reads (src/store/response-search.ts).
  async searchResponses(search: ResponseSearch) {
    return (await this.driver.all<ResponseRow>(responseSearchQuery(search), { long: true })).map(responseFromRow);
  }

  async responseSnapshot(responseId: string) {
    const row = await this.driver.get<Record<string, unknown>>(responseSnapshotQuery(responseId));
    return row && responseSnapshotFromRow(row);
  }

  connectorQueue() {
    return this.driver.all<ConnectorQueueRow>(connectorQueueQuery(), { long: true });
  }

  async oldestWaitingJob(now: string) {
    const row = await this.driver.get<JobRow>(oldestWaitingJobQuery(now));
    return row && jobFromRow(row);
  }

  async replayProgress(since: string, connector?: string) {
    return (await this.driver.get<ReplayProgress>(replayProgressQuery(since, connector)))!;
  }

  recipeMatchCounts(recentSince: string, longerSince: string) {
    return this.driver.all<RecipeMatchCount>(recipeMatchCountsQuery(recentSince, longerSince), { long: true });
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** SHA-256 (hex) of the salt and these parts (src/store/erasure.ts); a string at once when it can be. */
  private saltedKey(parts: readonly string[]): string | Promise<string> {
    if (this.saltValue !== undefined) return this.sha256Hex(saltedKeyText(this.saltValue, parts));
    this.salt ??= this.driver.get<{ value: string }>(statement(ERASURE_SQL.salt)).then(
      (row) => {
        if (!row) throw new Error('the erasure salt is missing: the database is not migrated (migration 13)');
        return (this.saltValue = row.value);
      },
      (error: unknown) => {
        this.salt = undefined;
        throw error;
      },
    );
    return this.salt.then((salt) => this.sha256Hex(saltedKeyText(salt, parts)));
  }
}
