import type { NormalizedResponse, StoredResponse } from '../core/response.js';
import type { AttemptResult, Job, JobAttempt, JobStatus, NewJob } from '../jobs/job.js';

export interface IngestInput {
  response: NormalizedResponse;
  /** The request body exactly as received (kept for audit and re-parsing). */
  rawBody: string;
  /** Content type of the raw body. */
  contentType: string;
}

export interface IngestResult {
  id: string;
  duplicate: boolean;
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
}

export interface QueueStats {
  byStatus: Record<JobStatus, number>;
  /** Age in seconds of the oldest job waiting to run (queued with run time passed), or null. */
  oldestWaitingSeconds: number | null;
}

/**
 * The hub's storage, async so that SQLite (Node) and D1 (Workers) implement the same thing.
 * Every method that writes more than one row does so in one transaction.
 */
export interface Store {
  /** Store a response with its raw body and its `plan` job, deduplicated by (source, source response id). */
  ingest(input: IngestInput): Promise<IngestResult>;
  getResponse(id: string): Promise<StoredResponse | undefined>;
  listResponses(filter: ResponseFilter): Promise<StoredResponse[]>;
  /** Raw body as received. */
  getRawBody(id: string): Promise<{ body: string; contentType: string } | undefined>;

  /** Insert jobs, ignoring any whose key exists. Returns the ids of those inserted. */
  enqueueJobs(jobs: NewJob[]): Promise<string[]>;
  /** Write a plan's jobs and throttle marks and finish the plan job, atomically. */
  commitPlan(plan: PlanWrite, now: string): Promise<void>;
  /** Claim due jobs (queued and due, or running with an expired lease). */
  claimJobs(options: ClaimOptions): Promise<Job[]>;
  /** Record an attempt and move the job to its next state. */
  finishAttempt(job: Job, attempt: Omit<JobAttempt, 'outcome' | 'error' | 'remoteStatus'>, result: AttemptResult): Promise<void>;
  getJob(id: string): Promise<Job | undefined>;
  listJobs(filter: JobFilter): Promise<Job[]>;
  listAttempts(jobId: string): Promise<JobAttempt[]>;
  /** Put dead jobs back in the queue now. Returns how many. */
  replayJobs(ids: string[], now: string): Promise<number>;
  queueStats(now: string): Promise<QueueStats>;

  /** The last time this recipe fired for this respondent on a response other than `exceptResponseId`. */
  lastRecipeRun(recipe: string, respondentKey: string, exceptResponseId: string): Promise<string | undefined>;

  /** A cached CRM lookup (see `src/enrichment/`), or undefined when absent or expired at `now`. */
  getCachedEnrichment(key: string, now: string): Promise<unknown | undefined>;
  /** Cache a CRM lookup until `expiresAt`, replacing the previous value; drops entries expired at `fetchedAt`. */
  putCachedEnrichment(key: string, value: unknown, fetchedAt: string, expiresAt: string): Promise<void>;

  close(): Promise<void>;
}
