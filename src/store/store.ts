import type { NormalizedResponse, StoredResponse } from '../core/response.js';
import type { DeliveryMarks } from './replay-guard.js';
import type { AttemptResult, Job, JobAttempt, JobStatus, NewJob } from '../core/job.js';
import type { RecipeVerdict } from '../recipes/verdict.js';
import type { LoopEvent, LoopState, LoopTarget } from '../loops/loop-event.js';
import type { LoopFilter, LoopRow } from './loops.js';
import type { ResponseToTag, TaggedResponse, ThemeCounts, ThemeCountsFilter, Verbatim, VerbatimFilter } from './theme-tags.js';
import type { ErasureReport } from './erasure.js';
import type { ResponseSegments } from '../insights/segments.js';
import type { BacktestFilter, BacktestRow, ThrottleMarkRow } from './backtest.js';
import type { CampaignCancel, CampaignCandidate, CampaignMemberRow, CampaignRow, CampaignWrite, CancelOutcome, CandidateQuery, PausedWave, WaveProgressRow, WaveRelease } from './campaigns.js';
import type { ConnectorQueueRow, RecipeMatchCount, ReplayProgress, ResponseSearch, ResponseSnapshot } from './response-search.js';
import type { DigestVerbatimRow, ExportFilter, ExportRow, SegmentCountRow, SegmentCountsQuery } from './segments-sql.js';

export interface IngestInput {
  response: NormalizedResponse;
  /** The request body exactly as received (kept for audit and re-parsing). */
  rawBody: string;
  /** Content type of the raw body. */
  contentType: string;
  /** How to recognise this webhook again and order it among versions (see `replay-guard.ts`). */
  marks?: DeliveryMarks;
}

export interface IngestResult {
  id: string;
  /** The same content was stored before (a resend): nothing changed, nothing is planned. */
  duplicate: boolean;
  /** A new version of a stored response (the tool resent it with a late comment, a new score…). */
  updated?: boolean;
  /** Version now stored (1 for a new response). */
  version?: number;
  /** Refused as older than the stored version (a replay, or delivered out of order): why. Nothing was stored. */
  stale?: string;
  /** The response was erased at the respondent's request (docs/privacy.md): nothing was stored, `id` is empty. */
  erased?: boolean;
}

export interface ResponseFilter {
  source?: string;
  limit: number;
  /** Only responses received before this id's position (keyset pagination). */
  before?: string;
}

export interface JobFilter {
  status?: JobStatus;
  responseId?: string;
  action?: string;
  limit: number;
}

/** Which dead jobs to replay (`closeloop replay --dead`, `POST /api/jobs/replay`). */
export interface DeadJobFilter {
  /** Only this connector's actions (`zendesk`). */
  connector?: string;
  /** Only this action (`zendesk.createTicket`). */
  action?: string;
  /** Only jobs that died at or after this ISO time. */
  since?: string;
}

/** Which NPS answers the figures count: received in [since, until), of one source, of one survey. */
export interface NpsFilter {
  since?: string;
  until?: string;
  source?: string;
  surveyId?: string;
}

/** NPS answers by category (scored `nps` responses only, each counted once with its newest score). */
export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

export interface ClaimOptions {
  now: string;
  limit: number;
  /** Lease expiry: a claimed job not finished by then is claimed again (its runner died). */
  leaseUntil: string;
}

/** What planning a response writes, all in one transaction. */
export interface PlanWrite {
  planJobId: string;
  responseId: string;
  jobs: NewJob[];
  /** Throttle marks: (recipe, respondent key) fired for this response at this time. */
  recipeRuns: { recipe: string; respondentKey: string; at: string }[];
  /** The comment's themes and sentiment (src/themes), stored with the plan. */
  tags?: TaggedResponse;
  /** Each recipe's verdict on the response (none for a plan superseded by a newer version). */
  verdicts: RecipeVerdict[];
  /** The response's segments as its recipes saw them (account snapshot, survey, touchpoint), for the figures. */
  segments?: ResponseSegments;
}

export interface QueueStats {
  byStatus: Record<JobStatus, number>;
  /**
   * Responses stored whose plan job is not written yet: ingest stores the response alone and the
   * runner's next claim writes its plan job (so a flood of webhooks is acknowledged at full speed).
   * They count in the two ages below as queued plan jobs would.
   */
  unplanned: number;
  /** Age in seconds of the oldest job waiting to run (queued with run time passed), or null. */
  oldestWaitingSeconds: number | null;
  /**
   * Age in seconds of the oldest job not delivered yet (queued, even if its run time is later,
   * or running), from when it was queued: how far behind delivery is during an outage. Or null.
   */
  oldestPendingSeconds: number | null;
}

/**
 * The hub's storage, async so that SQLite (Node) and D1 (Workers) implement the same thing.
 * Every method that writes more than one row does so in one transaction.
 */
export interface Store {
  /**
   * Store a response with its raw body, deduplicated by (source, source response id): an identical
   * resend is a duplicate; a changed one replaces the content and raw body, bumps `version`, keeps
   * the version's content in the history, and enqueues `plan:<id>:v<version>` — all in one
   * transaction. A new response's `plan:<id>` job is written by the next {@link claimJobs}, not
   * here: the request path writes the one row it must.
   */
  ingest(input: IngestInput): Promise<IngestResult>;
  /**
   * Replace a not-yet-scored stub (`extra.pendingFetch`) with what the vendor's API returned,
   * keeping its version, raw body and fingerprint. False when a newer version arrived meanwhile
   * (then only that version's history entry is completed).
   */
  completeResponse(id: string, version: number, response: NormalizedResponse): Promise<boolean>;
  /** The normalized content of one version of a response, as last stored for that version. */
  getResponseVersion(id: string, version: number): Promise<NormalizedResponse | undefined>;
  getResponse(id: string): Promise<StoredResponse | undefined>;
  listResponses(filter: ResponseFilter): Promise<StoredResponse[]>;
  /** A respondent's responses, newest first. */
  listResponsesByEmail(email: string, limit: number): Promise<StoredResponse[]>;
  /** The recipes' verdicts on a response, newest version first. */
  listVerdicts(responseId: string): Promise<RecipeVerdict[]>;
  /** Raw body as received. */
  getRawBody(id: string): Promise<{ body: string; contentType: string } | undefined>;
  /** Scored NPS responses by category (CSAT answers and not-yet-scored stubs are not counted). */
  npsCounts(filter: NpsFilter): Promise<NpsCounts>;
  /** Answers of one metric by window and segment, from the stored segments and their rollups (planned responses only). */
  segmentCounts(query: SegmentCountsQuery): Promise<SegmentCountRow[]>;
  /** A promoter's, a passive's and a detractor's comment received in [since, until), for the digest. */
  digestVerbatims(since: string, until: string): Promise<DigestVerbatimRow[]>;
  /** Up to `limit` responses with their segments after `afterSeq`, in arrival order (`closeloop export`, page by page). */
  exportPage(filter: ExportFilter, afterSeq: number, limit: number): Promise<ExportRow[]>;

  /** Insert jobs, ignoring any whose key exists. Returns the ids of those inserted. */
  enqueueJobs(jobs: NewJob[]): Promise<string[]>;
  /**
   * Write a plan's jobs, throttle marks and verdicts and finish the plan job, atomically. False,
   * writing nothing, when the response was erased while it was being planned.
   */
  commitPlan(plan: PlanWrite, now: string): Promise<boolean>;
  /**
   * Claim due jobs (queued and due, or running with an expired lease), after writing the plan jobs
   * of up to `limit` responses stored without one (oldest first), in the same transaction.
   */
  claimJobs(options: ClaimOptions): Promise<Job[]>;
  /** Record an attempt and move the job to its next state. */
  finishAttempt(job: Job, attempt: Omit<JobAttempt, 'outcome' | 'error' | 'remoteStatus'>, result: AttemptResult): Promise<void>;
  /**
   * Give a claimed job back to the queue to run at `runAt`, without counting the attempt (no
   * attempt row; `attempts` back to what it was): it waited for its rate limit and made no call.
   */
  releaseJob(job: Job, runAt: string, now: string): Promise<void>;
  getJob(id: string): Promise<Job | undefined>;
  listJobs(filter: JobFilter): Promise<Job[]>;
  listAttempts(jobId: string): Promise<JobAttempt[]>;
  /**
   * Put dead jobs back in the queue now, with a fresh attempt budget; their attempt history and
   * last error are kept. Jobs that are not dead are left alone. Returns how many were queued.
   */
  replayJobs(ids: string[], now: string): Promise<number>;
  /** Ids of the dead jobs matching the filter, oldest first. */
  listDeadJobIds(filter: DeadJobFilter): Promise<string[]>;
  /**
   * Heartbeat: move the lease of attempts still running (job id and attempt number) to
   * `leaseUntil`, so that only a runner that died loses its jobs.
   */
  extendLeases(running: { id: string; attempts: number }[], leaseUntil: string): Promise<void>;
  queueStats(now: string): Promise<QueueStats>;

  /** The last time this recipe fired for this respondent on a response other than `exceptResponseId`. */
  lastRecipeRun(recipe: string, respondentKey: string, exceptResponseId: string): Promise<string | undefined>;

  /** A cached CRM lookup (see `src/enrichment/`), or undefined when absent or expired at `now`. */
  getCachedEnrichment(key: string, now: string): Promise<unknown | undefined>;
  /** Cache a CRM lookup until `expiresAt`, replacing the previous value; drops entries expired at `fetchedAt`. */
  putCachedEnrichment(key: string, value: unknown, fetchedAt: string, expiresAt: string): Promise<void>;

  /** The response a ticket or conversation event is about (see {@link LoopTarget}), or undefined. */
  findLoopResponse(target: LoopTarget): Promise<string | undefined>;
  /**
   * Record an event on a response's loop and move the loop forward (never back), in one
   * transaction. `duplicate`: this event (source, id) was recorded before; nothing changed.
   */
  recordLoopEvent(responseId: string, event: LoopEvent, receivedAt: string): Promise<{ duplicate: boolean; loop: LoopState }>;
  /** A response's loop, when the hub acted on it (an action job exists); undefined otherwise. */
  getLoop(responseId: string): Promise<LoopState | undefined>;
  /** Detractors acted on, received in [after, before), whose loop is unanswered and not yet escalated (see `src/loops/escalation.ts`). */
  overdueLoops(after: string, before: string, limit: number): Promise<{ id: string; version: number }[]>;
  /** The loops of NPS responses received in [since, until), oldest first, for the loop figures. */
  loopRows(filter: LoopFilter): Promise<LoopRow[]>;
  /** Replace the theme tags of these responses (each guarded by its version), in one transaction. */
  tagResponses(tags: TaggedResponse[]): Promise<void>;
  /** Up to `limit` responses past `afterSeq` not tagged by the rules with this fingerprint, in arrival order. */
  responsesToTag(afterSeq: number, rules: string, limit: number): Promise<ResponseToTag[]>;
  /** Scored NPS responses with a comment over a period, by category, in all and by theme. */
  themeCounts(filter: ThemeCountsFilter): Promise<ThemeCounts>;
  /** Comments with their tags, newest first. */
  listVerbatims(filter: VerbatimFilter): Promise<Verbatim[]>;
  /**
   * Erase one respondent (email matched trimmed and case-insensitively) in one transaction: their
   * responses with raw bodies and versions, those responses' jobs (queued ones are thereby
   * cancelled) and attempts, throttle marks, and CRM lookups cached for the email; a salted key of
   * each response is kept so a resend is refused (see src/store/erasure.ts).
   */
  forgetRespondent(email: string, now: string): Promise<ErasureReport>;
  /** Drop the CRM lookups cached for an email (a plan that enriched it finished after its erasure). */
  forgetCachedEnrichment(email: string): Promise<void>;
  /**
   * Retention: remove the personal data of responses received before `cutoff`, keeping what the
   * figures count (see src/store/retention.ts). Idempotent. Returns how many responses it scrubbed.
   */
  scrubPersonalData(cutoff: string, now: string): Promise<number>;

  /** A page of stored responses for a recipe backtest, in arrival order after `afterSeq` (src/store/backtest.ts). */
  backtestPage(filter: BacktestFilter, afterSeq: number, limit: number): Promise<BacktestRow[]>;
  /** A recipe's throttle marks for these respondents in [notBefore, before), for a backtest's throttle simulation. */
  throttleMarks(recipe: string, respondentKeys: readonly string[], notBefore: string, before: string): Promise<ThrottleMarkRow[]>;
  /** Responses a campaign may take (src/store/campaigns.ts: each respondent's newest answer, filtered), highest score first. */
  campaignCandidates(query: CandidateQuery): Promise<CampaignCandidate[]>;
  /**
   * Create a campaign with its frozen members and release its first wave, atomically. `created`
   * false (nothing written) when the name is taken.
   */
  createCampaign(campaign: CampaignWrite): Promise<{ created: boolean; queued: number }>;
  /** Release one wave (guarded: once, after the previous one), queueing its members' jobs, atomically. */
  releaseCampaignWave(release: WaveRelease): Promise<{ released: boolean; queued: number }>;
  /** A campaign by id or name. */
  getCampaign(idOrName: string): Promise<CampaignRow | undefined>;
  /** Campaigns, newest first. */
  listCampaigns(limit: number): Promise<CampaignRow[]>;
  /** Each wave of a campaign with its members' progress. */
  campaignProgress(campaignId: string): Promise<WaveProgressRow[]>;
  /** A campaign's members in wave order, with their jobs' status. */
  campaignMembers(campaignId: string): Promise<CampaignMemberRow[]>;
  /**
   * Cancel a campaign, atomically: marked cancelled (once), no wave released after, its jobs still
   * queued made `cancelled`; claimed ones finish. A second cancel changes nothing (`cancelled: false`).
   */
  cancelCampaign(cancel: CampaignCancel): Promise<CancelOutcome>;
  /** Waves of paused, not cancelled campaigns whose previous wave is released (due or not yet). */
  pausedCampaignWaves(): Promise<PausedWave[]>;
  /** Responses matching a search, newest first (the dashboard; src/store/response-search.ts). */
  searchResponses(search: ResponseSearch): Promise<StoredResponse[]>;
  /** The account and segments a response's recipes saw when it was last planned, or undefined. */
  responseSnapshot(responseId: string): Promise<ResponseSnapshot | undefined>;
  /** Unfinished and dead jobs by connector and state. */
  connectorQueue(): Promise<ConnectorQueueRow[]>;
  /** The queued job whose run time passed longest ago, or undefined. */
  oldestWaitingJob(now: string): Promise<Job | undefined>;
  /** Where the jobs replayed at or after `since` (of one connector) are now. */
  replayProgress(since: string, connector?: string): Promise<ReplayProgress>;
  /** Responses each recipe matched since `recentSince` and since `longerSince` (from the stored verdicts). */
  recipeMatchCounts(recentSince: string, longerSince: string): Promise<RecipeMatchCount[]>;

  close(): Promise<void>;
}
