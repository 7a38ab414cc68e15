import type { Job, JobAttempt } from '../../core/job.js';
import type { StoredResponse } from '../../core/response.js';
import { jobsOfCancelledCampaigns } from '../../jobs/replay.js';
import type { LoopState } from '../../loops/loop-event.js';
import type { RecipeVerdict } from '../../recipes/verdict.js';
import type { ResponseSnapshot } from '../../store/response-search.js';
import type { ResponseAssignment, SlackAction } from '../../store/slack-actions.js';
import type { DashboardDeps } from '../deps.js';
import { duration, when } from '../components/format.js';
import { CsrfField, Layout } from '../components/layout.js';

export interface ResponseData {
  response: StoredResponse;
  snapshot: ResponseSnapshot | undefined;
  verdicts: RecipeVerdict[];
  jobs: { job: Job; attempts: JobAttempt[]; link: string | undefined }[];
  /** Dead jobs of a cancelled campaign: shown without a Replay button (the cancel holds). */
  campaignCancelled: Set<string>;
  loop: LoopState | undefined;
  /** Who follows it up and every click on its Slack message (the Slack app), when the app is set up. */
  slack: { assignment: ResponseAssignment | undefined; actions: SlackAction[] } | undefined;
}

/** Where a person sees what a delivered action made (the connector's `link`), if it says. */
export function linkOf(deps: DashboardDeps, job: Job): string | undefined {
  if (!job.action || !job.result || typeof job.result !== 'object' || job.status !== 'succeeded') return undefined;
  const connector = deps.registry?.get(job.action)?.connector;
  try {
    return connector?.link?.(job.result as { remoteId: string | null }, deps.env);
  } catch {
    return undefined;
  }
}

/** The same reads as `GET /api/responses/{id}` and `/loop`, plus the account snapshot and each job's attempts. */
export async function responseData(deps: DashboardDeps, id: string): Promise<ResponseData | undefined> {
  const response = await deps.store.getResponse(id);
  if (!response) return undefined;
  const [snapshot, verdicts, jobs, loop, slack] = await Promise.all([
    deps.store.responseSnapshot(id),
    deps.store.listVerdicts(id),
    deps.store.listJobs({ responseId: id, limit: 500 }),
    deps.store.getLoop(id),
    deps.slackActions && Promise.all([deps.slackActions.assignment(id), deps.slackActions.slackActions(id)]).then(([assignment, actions]) => ({ assignment, actions })),
  ]);
  const [withAttempts, campaignCancelled] = await Promise.all([
    Promise.all(jobs.reverse().map(async (job) => ({ job, attempts: await deps.store.listAttempts(job.id), link: linkOf(deps, job) }))),
    jobsOfCancelledCampaigns(deps.store, jobs.filter((job) => job.status === 'dead')),
  ]);
  return { response, snapshot, verdicts, jobs: withAttempts, campaignCancelled, loop, slack };
}

const SLACK_ACTION_LABELS: Record<SlackAction['kind'], string> = { open_ticket: 'Open ticket', follow_up: "I'll follow up", loop_closed: 'Loop closed', theme: 'Theme picked' };

function LinkOrText(props: { link: string }) {
  return /^https:\/\//.test(props.link) ? (
    <a href={props.link} rel="noreferrer noopener" target="_blank">
      {props.link}
    </a>
  ) : (
    <span>{props.link}</span>
  );
}

export function ResponsePage(props: { data: ResponseData; csrf: string }) {
  const { response: r, snapshot, verdicts, jobs, loop, slack } = props.data;
  const account = snapshot?.account;
  return (
    <Layout title={`Response from ${r.respondent.email ?? 'an anonymous respondent'}`} section="responses" csrf={props.csrf}>
      <section aria-labelledby="verbatim" class="card">
        <h2 id="verbatim">
          {r.metric.toUpperCase()} {r.score ?? '—'} · {r.category ?? 'unscored'}
        </h2>
        {r.comment ? <blockquote data-testid="response-comment">{r.comment}</blockquote> : <p class="muted">No comment.</p>}
        <dl class="facts">
          <dt>Received</dt>
          <dd>{when(r.receivedAt)}</dd>
          <dt>Source</dt>
          <dd>
            {r.source}
            {r.surveyId ? ` · survey ${r.surveyId}` : ''}
          </dd>
          <dt>Respondent</dt>
          <dd>{[r.respondent.name, r.respondent.email].filter(Boolean).join(' · ') || 'anonymous'}</dd>
          <dt>Version</dt>
          <dd>{r.version}</dd>
          <dt>Id</dt>
          <dd>
            <code>{r.id}</code>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="account">
        <h2 id="account">Account, as its recipes saw it</h2>
        {account ? (
          <dl class="facts">
            <dt>Name</dt>
            <dd>{account.name ?? '—'}</dd>
            <dt>Plan</dt>
            <dd>{account.plan ?? '—'}</dd>
            <dt>Tier</dt>
            <dd>{account.tier ?? '—'}</dd>
            <dt>ARR</dt>
            <dd>{account.arr ?? '—'}</dd>
            <dt>Owner</dt>
            <dd>{[account.owner?.name, account.owner?.email].filter(Boolean).join(' · ') || '—'}</dd>
            <dt>Region</dt>
            <dd>{account.region ?? '—'}</dd>
            <dt>Lifecycle</dt>
            <dd>{account.lifecycle ?? '—'}</dd>
            <dt>CRM</dt>
            <dd>{account.crm ?? '—'}</dd>
          </dl>
        ) : (
          <p class="muted">Not planned yet: no account snapshot.</p>
        )}
      </section>

      <section aria-labelledby="loop">
        <h2 id="loop">Loop</h2>
        {loop ? (
          <p data-testid="loop-state">
            <strong>{loop.status}</strong> · opened {when(loop.openedAt)}
            {loop.acknowledgedAt && ` · answered by ${loop.acknowledgedBy ?? 'someone'} ${when(loop.acknowledgedAt)} (after ${duration((Date.parse(loop.acknowledgedAt) - Date.parse(loop.openedAt)) / 1000)})`}
            {loop.closedAt && ` · closed by ${loop.closedBy ?? 'someone'} ${when(loop.closedAt)} (after ${duration((Date.parse(loop.closedAt) - Date.parse(loop.openedAt)) / 1000)})`}
          </p>
        ) : (
          <p class="muted">No loop: the hub took no action on this response.</p>
        )}
        {slack?.assignment && (
          <p data-testid="slack-assignment">
            Followed up by <strong>{slack.assignment.user.name ?? slack.assignment.user.id}</strong> (Slack) since {when(slack.assignment.assignedAt)}
          </p>
        )}
        {slack?.actions.length ? (
          <ul aria-label="Clicks on the Slack message">
            {slack.actions.map((a) => (
              <li data-testid="slack-action">
                {SLACK_ACTION_LABELS[a.kind]}
                {a.value ? ` (${a.value})` : ''} · {a.user.name ?? a.user.id} · {when(a.at)}
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="verdicts">
        <h2 id="verdicts">What each recipe decided</h2>
        {verdicts.length ? (
          <div class="scroll" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Recipe</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Why</th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {verdicts.map((v) => (
                  <tr data-testid="verdict-row">
                    <th scope="row">{v.recipe}</th>
                    <td>
                      <span class={`verdict v-${v.verdict}`}>{v.verdict.replace('_', ' ')}</span>
                    </td>
                    <td>
                      {v.reason}
                      {v.skippedActions.map((s) => (
                        <div class="muted small">
                          {s.id} ({s.action}) skipped: {s.reason}
                        </div>
                      ))}
                    </td>
                    <td>{v.responseVersion}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="muted">Not planned yet.</p>
        )}
      </section>

      <section aria-labelledby="jobs">
        <h2 id="jobs">Jobs</h2>
        {jobs.length === 0 && <p class="muted">No jobs.</p>}
        {jobs.map(({ job, attempts, link }) => (
          <article class="job card" data-testid="job" aria-label={`Job ${job.action ?? 'plan'}`}>
            <h3>
              {job.action ?? 'plan'} <span class={`status s-${job.status}`}>{job.status}</span>
            </h3>
            <p class="muted small">
              {job.recipe ? `recipe ${job.recipe} · ` : ''}
              {job.attempts} attempt{job.attempts === 1 ? '' : 's'} · created {when(job.createdAt)}
              {job.replayedAt ? ` · replayed ${when(job.replayedAt)}` : ''}
            </p>
            {link && (
              <p>
                Made: <LinkOrText link={link} />
              </p>
            )}
            {job.status === 'cancelled' && <p class="muted">Not sent: its campaign was cancelled.</p>}
            {job.lastError && <p class="error-text">Last error: {job.lastError}</p>}
            {attempts.length > 0 && (
              <details>
                <summary>Attempts</summary>
                <ol class="attempts">
                  {attempts.map((a) => (
                    <li>
                      {when(a.startedAt)} · {a.outcome}
                      {a.remoteStatus ? ` · HTTP ${a.remoteStatus}` : ''}
                      {a.error ? ` · ${a.error}` : ''}
                    </li>
                  ))}
                </ol>
              </details>
            )}
            {job.status === 'dead' && props.data.campaignCancelled.has(job.id) && <p class="muted">Not replayed: its campaign was cancelled.</p>}
            {job.status === 'dead' && !props.data.campaignCancelled.has(job.id) && (
              <form method="post" action="/loop-health/replay">
                <CsrfField token={props.csrf} />
                <input type="hidden" name="job" value={job.id} />
                <button type="submit">Replay this job</button>
              </form>
            )}
          </article>
        ))}
      </section>
    </Layout>
  );
}
