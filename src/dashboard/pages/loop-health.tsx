import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { Job, JobStatus } from '../../core/job.js';
import { ROLLED_UP_DIMENSIONS } from '../../insights/segments.js';
import type { Incident } from '../../jobs/incidents.js';
import { deadJobFilter, ReplayFilter } from '../../jobs/replay-filter.js';
import { jobsOfCancelledCampaigns, replayDeadJob, replayInChunks } from '../../jobs/replay.js';
import { LoopQuery, loopReports, type LoopFigures, type LoopReport } from '../../loops/loop-report.js';
import type { ConnectorQueueRow, ReplayProgress } from '../../store/response-search.js';
import type { QueueStats } from '../../store/store.js';
import type { DashboardDeps } from '../deps.js';
import { duration, hours, percent, when } from '../components/format.js';
import { CsrfField, Layout, Notice } from '../components/layout.js';

const Optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const LoopHealthQuery = z.object({
  /** Loop figures by this segment, beside the figures by category. */
  by: z.enum(ROLLED_UP_DIMENSIONS).default('plan'),
  /** Loop figures over responses received in this period. */
  period: z.enum(['7d', '30d', '90d']).default('30d'),
  /** After a replay: how many were queued again, from when, of which connector (the progress). */
  replayed: Optional(z.coerce.number().int().min(0)),
  since: Optional(z.iso.datetime()),
  connector: Optional(z.string().regex(/^[a-z][a-z0-9]{0,39}$/)),
});
export type LoopHealthQuery = z.output<typeof LoopHealthQuery>;

/** A `datetime-local` field (no zone: read as UTC, as the page shows times) or any time the API takes. */
const FormTime = z.preprocess((v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00Z` : v), ReplayFilter.shape.since);

/** The replay form: one dead job, or every dead job of a connector (since a time). */
export const ReplayForm = z
  .object({
    job: Optional(z.string().min(1).max(64)),
    connector: Optional(ReplayFilter.shape.connector.unwrap()),
    since: Optional(FormTime),
  })
  .refine((f) => (f.job === undefined) !== (f.connector === undefined), { path: ['job'], message: 'give one job, or a connector' });
export type ReplayForm = z.output<typeof ReplayForm>;

/** What the queue table shows: jobs waiting or in trouble. Finished ones (succeeded, sandboxed, cancelled with their campaign) are not listed. */
const STATES = ['queued', 'running', 'failing', 'dead'] as const;

export interface LoopHealthData {
  query: LoopHealthQuery;
  queue: Map<string, Record<(typeof STATES)[number], number>>;
  stats: QueueStats;
  oldest: Job | undefined;
  incidents: Incident[];
  dead: Job[];
  /** Dead jobs of a cancelled campaign: shown without a Replay button (the cancel holds). */
  campaignCancelled: Set<string>;
  byCategory: LoopReport;
  bySegment: LoopReport;
  progress: ReplayProgress | null;
}

function pivot(rows: ConnectorQueueRow[]) {
  const queue = new Map<string, Record<(typeof STATES)[number], number>>();
  for (const row of rows) {
    const counts = queue.get(row.connector) ?? { queued: 0, running: 0, failing: 0, dead: 0 };
    counts[row.state] += row.jobs;
    // A failing job is queued too (waiting for its retry).
    if (row.state === 'failing') counts.queued += row.jobs;
    queue.set(row.connector, counts);
  }
  return queue;
}

/** The queue as `/healthz` and `GET /api/jobs` see it, incidents, dead jobs, and the loop figures of `GET /api/loops`. */
export async function loopHealthData(deps: DashboardDeps, query: LoopHealthQuery): Promise<LoopHealthData> {
  const now = deps.now();
  const [rows, stats, oldest, dead, [byCategory, bySegment], progress] = await Promise.all([
    deps.store.connectorQueue(),
    deps.store.queueStats(now.toISOString()),
    deps.store.oldestWaitingJob(now.toISOString()),
    deps.store.listJobs({ status: 'dead' as JobStatus, limit: 50 }),
    // One read of the period's loops for both tables.
    loopReports(deps.store, LoopQuery.parse({ since: query.period }), ['category', query.by], now),
    query.since ? deps.store.replayProgress(query.since, query.connector) : Promise.resolve(null),
  ]);
  const campaignCancelled = await jobsOfCancelledCampaigns(deps.store, dead);
  return { query, queue: pivot(rows), stats, oldest, incidents: deps.openIncidents?.() ?? [], dead, campaignCancelled, byCategory: byCategory!, bySegment: bySegment!, progress };
}

/** Put dead jobs back in the queue, as `POST /api/jobs/{id}/replay` and `POST /api/jobs/replay` do. */
export async function replayJobs(deps: DashboardDeps, form: ReplayForm): Promise<{ replayed: number; since: string; connector?: string }> {
  const now = deps.now();
  const since = now.toISOString();
  let replayed: number;
  if (form.job) {
    const job = await deps.store.getJob(form.job);
    if (!job) throw new HubError(404, 'not_found', `No job ${form.job}`, [{ field: 'job', message: 'no such job' }]);
    if (job.status !== 'dead') throw new HubError(409, 'not_dead', `Job ${form.job} is ${job.status}; only dead jobs are replayed`, [{ field: 'job', message: `job is ${job.status}` }]);
    replayed = await replayDeadJob(deps.store, job, now, 'job');
  } else {
    const ids = await deps.store.listDeadJobIds(deadJobFilter({ connector: form.connector, since: form.since }, now));
    replayed = await replayInChunks(deps.store, ids, () => now);
  }
  if (replayed) deps.onReplayed?.();
  return { replayed, since, ...(form.connector ? { connector: form.connector } : {}) };
}

function LoopTable(props: { report: LoopReport; label: string; testid: string }) {
  const rows: LoopFigures[] = [...props.report.groups, props.report.all];
  return (
    <div class="scroll" tabindex={0}>
      <table>
        <caption>
          By {props.label}; answered within {props.report.targetHours} h
        </caption>
        <thead>
          <tr>
            <th scope="col">{props.label}</th>
            <th scope="col">Loops</th>
            <th scope="col">Open / answered / closed</th>
            <th scope="col">First response (median, p90)</th>
            <th scope="col">Closure (median, p90)</th>
            <th scope="col">Answered within target</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g) => (
            <tr data-testid={props.testid}>
              <th scope="row">{g.group}</th>
              <td>{g.loops}</td>
              <td>
                {g.open} / {g.acknowledged} / {g.closed}
              </td>
              <td>
                {hours(g.hoursToFirstResponse.median)}, {hours(g.hoursToFirstResponse.p90)}
              </td>
              <td>
                {hours(g.hoursToClose.median)}, {hours(g.hoursToClose.p90)}
              </td>
              <td>
                {percent(g.withinTarget.share)} <span class="muted">({g.withinTarget.answered} of {g.withinTarget.of})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LoopHealthPage(props: { data: LoopHealthData; csrf: string }) {
  const d = props.data;
  const q = d.query;
  const detractors = d.byCategory.groups.find((g) => g.group === 'detractor');
  return (
    <Layout title="Loop health" section="loops" csrf={props.csrf}>
      {q.replayed !== undefined && d.progress && (
        <section id="replay" aria-labelledby="replay-h" class="card">
          <h2 id="replay-h">Replay</h2>
          <Notice kind="ok">
            {q.replayed} job{q.replayed === 1 ? '' : 's'} queued again{q.connector ? ` (${q.connector})` : ''}.
          </Notice>
          <p
            id="replay-progress"
            data-progress={`/loop-health/progress.json?${new URLSearchParams({ since: q.since!, ...(q.connector ? { connector: q.connector } : {}) })}`}
            data-testid="replay-progress"
          >
            {progressText(d.progress)}
          </p>
          <p class="muted small">
            <a href={`/loop-health?${new URLSearchParams({ replayed: String(q.replayed), since: q.since!, ...(q.connector ? { connector: q.connector } : {}) })}#replay`}>Refresh</a> (updates by itself with
            JavaScript on)
          </p>
        </section>
      )}

      <section aria-labelledby="queue">
        <h2 id="queue">Jobs by connector</h2>
        <p>
          Oldest waiting job:{' '}
          {d.oldest ? (
            <>
              <a href={`/responses/${encodeURIComponent(d.oldest.responseId)}`}>{d.oldest.action ?? 'plan'}</a>, due {when(d.oldest.runAt)} ({duration(d.stats.oldestWaitingSeconds)} ago)
            </>
          ) : (
            'none, the runner is keeping up'
          )}
          . Responses not planned yet: {d.stats.unplanned}.
        </p>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Connector</th>
                <th scope="col">Waiting</th>
                <th scope="col">Running</th>
                <th scope="col">Failing (retrying)</th>
                <th scope="col">Dead</th>
              </tr>
            </thead>
            <tbody>
              {[...d.queue].map(([connector, c]) => (
                <tr data-testid="queue-row">
                  <th scope="row">{connector}</th>
                  <td>{c.queued}</td>
                  <td>{c.running}</td>
                  <td>{c.failing}</td>
                  <td>{c.dead}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {d.queue.size === 0 && <p>Nothing waiting, running or dead.</p>}
      </section>

      <section aria-labelledby="incidents">
        <h2 id="incidents">Open incidents</h2>
        {d.incidents.length ? (
          <ul>
            {d.incidents.map((i) => (
              <li>
                <strong>{i.connector}</strong> since {when(i.openedAt)}: {i.reason} ({i.failures} failures, {i.deadLettered} dead)
                {i.lastError ? ` · last error: ${i.lastError}` : ''}
              </li>
            ))}
          </ul>
        ) : (
          <p>None.</p>
        )}
      </section>

      <section aria-labelledby="dead">
        <h2 id="dead">Dead jobs</h2>
        <form method="post" action="/loop-health/replay" class="filters">
          <CsrfField token={props.csrf} />
          <label>
            Connector
            <select name="connector" required>
              {[...d.queue].filter(([, c]) => c.dead > 0).map(([connector]) => (
                <option value={connector}>{connector}</option>
              ))}
            </select>
          </label>
          <label>
            Dead since (UTC, optional)
            <input type="datetime-local" name="since" />
          </label>
          <button type="submit" disabled={![...d.queue.values()].some((c) => c.dead > 0)}>
            Replay all of this connector
          </button>
        </form>
        {d.dead.length ? (
          <div class="scroll" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col">Died</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Replay</th>
                </tr>
              </thead>
              <tbody>
                {d.dead.map((job) => (
                  <tr data-testid="dead-row">
                    <th scope="row">
                      <a href={`/responses/${encodeURIComponent(job.responseId)}`}>{job.action ?? 'plan'}</a>
                    </th>
                    <td>{when(job.updatedAt)}</td>
                    <td>{job.attempts}</td>
                    <td class="error-text">{job.lastError ?? '—'}</td>
                    <td>
                      {d.campaignCancelled.has(job.id) ? (
                        <span class="muted">campaign cancelled</span>
                      ) : (
                        <form method="post" action="/loop-health/replay">
                          <CsrfField token={props.csrf} />
                          <input type="hidden" name="job" value={job.id} />
                          <button type="submit" aria-label={`Replay ${job.action ?? 'plan'} job ${job.id}`}>
                            Replay
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No dead jobs.</p>
        )}
      </section>

      <section aria-labelledby="metrics">
        <h2 id="metrics">Loop metrics</h2>
        <p>
          Detractors answered within {d.byCategory.targetHours} h:{' '}
          <strong data-testid="detractors-within">{percent(detractors?.withinTarget.share)}</strong>
          {detractors ? ` (${detractors.withinTarget.answered} of ${detractors.withinTarget.of})` : ''}.
        </p>
        <form method="get" action="/loop-health" class="filters">
          <label>
            Period
            <select name="period">
              {(['7d', '30d', '90d'] as const).map((p) => (
                <option value={p} selected={p === q.period}>
                  last {p.replace('d', ' days')}
                </option>
              ))}
            </select>
          </label>
          <label>
            Segment
            <select name="by">
              {ROLLED_UP_DIMENSIONS.map((b) => (
                <option value={b} selected={b === q.by}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Show</button>
        </form>
        <LoopTable report={d.byCategory} label="category" testid="loop-category-row" />
        <LoopTable report={d.bySegment} label={q.by} testid="loop-segment-row" />
      </section>
    </Layout>
  );
}

export function progressText(p: ReplayProgress): string {
  const waiting = p.queued + p.running;
  const cancelled = p.cancelled ? `, ${p.cancelled} cancelled with their campaign` : '';
  return `${p.delivered} of ${p.replayed} delivered, ${waiting} waiting, ${p.dead} dead again${cancelled}${waiting ? '' : ' — done'}.`;
}
