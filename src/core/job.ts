/**
 * A job's life: `queued` (waiting for its run time) → `running` (claimed under a lease) →
 * `succeeded` | `sandboxed` (connector has no credentials: the request was recorded, not sent)
 * | back to `queued` with a later run time (a retryable failure) | `dead` (out of attempts or a
 * permanent failure; replay puts it back to `queued`). `cancelled`: a campaign's job still
 * queued when its campaign was cancelled; final, never run and never replayed.
 */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'sandboxed', 'dead', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** `plan` turns a stored response into action jobs; `action` calls a connector. */
export type JobType = 'plan' | 'action';

export interface NewJob {
  /**
   * Idempotency key, unique: `plan:<response>` (`plan:<response>:v<n>` for version n ≥ 2),
   * `<response>:<recipe>:<action id>`, and `<parent key>:v<n>` for a follow-up.
   */
  key: string;
  type: JobType;
  responseId: string;
  recipe: string | null;
  /** Recipe-local id of the action (`ticket`, `alert`). */
  actionId: string | null;
  /** Registered action name, e.g. `slack.postMessage`. */
  action: string | null;
  /** Rendered, validated parameters. */
  params: unknown;
  maxAttempts: number;
  runAt: string;
  /** Version of the response the job was planned from (a resend with a late comment counts up). */
  responseVersion?: number | null;
  /** A follow-up (comment on the ticket, reply in the thread) names the job whose remote object it updates. */
  parentJobId?: string | null;
}

export interface Job extends NewJob {
  id: string;
  status: JobStatus;
  attempts: number;
  leaseUntil: string | null;
  lastError: string | null;
  /** What the connector answered (remote ids), or the request recorded in sandbox mode. */
  result: unknown;
  createdAt: string;
  updatedAt: string;
  /** When the job was last replayed, or null: its max age (retry policy) counts from here. */
  replayedAt: string | null;
}

export type AttemptOutcome = 'succeeded' | 'sandboxed' | 'retry' | 'dead';

export interface JobAttempt {
  jobId: string;
  attempt: number;
  startedAt: string;
  finishedAt: string;
  outcome: AttemptOutcome;
  error: string | null;
  /** Remote status code, when there was one. */
  remoteStatus: number | null;
}

/** How a finished attempt leaves the job. */
export interface AttemptResult {
  outcome: AttemptOutcome;
  error?: string | null;
  remoteStatus?: number | null;
  result?: unknown;
  /** For `retry`: when to try again. */
  runAt?: string;
}
