import { z } from 'zod';
import { approveCampaign, campaignStatus, cancelCampaign, listCampaigns, type CampaignStatus } from '../../campaigns/campaigns.js';
import { CancelRequest } from '../../campaigns/definition.js';
import type { CancelledBy } from '../../store/campaigns.js';
import type { DashboardDeps } from '../deps.js';
import { duration, when } from '../components/format.js';
import { CsrfField, Layout, Notice } from '../components/layout.js';

const Optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Campaigns listed, newest first (as `GET /api/campaigns` gives them by default). */
export const CAMPAIGNS_SHOWN = 50;

/** A campaign's page after a form: what was approved (the wave, the jobs queued) or that it was cancelled. */
export const CampaignQuery = z.object({
  approved: Optional(z.coerce.number().int().min(1)),
  queued: Optional(z.coerce.number().int().min(0)),
  cancelled: Optional(z.enum(['1', 'already'])),
  /** Queued jobs the cancel cancelled. */
  jobs: Optional(z.coerce.number().int().min(0)),
});
export type CampaignQuery = z.output<typeof CampaignQuery>;

/** The approve form: the wave the page showed waiting, so a stale page does not release the wave after it. */
export const ApproveForm = z.object({ wave: z.coerce.number().int().min(1) });

/** The cancel form: an optional reason, as `POST /api/campaigns/{id}/cancel` takes it (at most 500 characters). */
export const CancelForm = z.object({ reason: CancelRequest.shape.reason });

/** Release the wave the form names, as `POST /api/campaigns/{id}/approve` does, and wake the runner. */
export async function approveFromForm(deps: DashboardDeps, idOrName: string, form: z.output<typeof ApproveForm>) {
  const result = await approveCampaign(idOrName, deps, { wave: form.wave });
  deps.campaigns?.onJobsQueued?.();
  return result;
}

/** Cancel, as `POST /api/campaigns/{id}/cancel` does, recorded as by the dashboard. */
export function cancelFromForm(deps: DashboardDeps, idOrName: string, form: z.output<typeof CancelForm>) {
  return cancelCampaign(idOrName, { by: 'dashboard', reason: form.reason || null }, deps);
}

export function campaignsData(deps: DashboardDeps): Promise<CampaignStatus[]> {
  return listCampaigns(deps.store, CAMPAIGNS_SHOWN);
}

export async function campaignData(deps: DashboardDeps, idOrName: string, query: CampaignQuery) {
  return { campaign: await campaignStatus(deps.store, idOrName), query };
}
export type CampaignData = Awaited<ReturnType<typeof campaignData>>;

type State = 'cancelled' | 'waiting for approval' | 'paused' | 'running' | 'done';

/** Where a campaign stands, in one word or three: what a person would ask first. */
function stateOf(c: CampaignStatus): State {
  if (c.cancelled) return 'cancelled';
  if (c.next) return c.next.releases === 'on approval' ? 'waiting for approval' : 'paused';
  return c.totals.queued > 0 ? 'running' : 'done';
}

const STATE_CLASS: Record<State, string> = { cancelled: 's-cancelled', 'waiting for approval': 's-queued', paused: 's-queued', running: 's-running', done: 's-succeeded' };

function StateBadge(props: { campaign: CampaignStatus }) {
  const state = stateOf(props.campaign);
  const { next, totals } = props.campaign;
  // Done with contacts that failed for good is not done well: say how many, in the failure colour.
  const failed = state === 'done' && totals.failed > 0;
  return (
    <span class={`status ${failed ? 's-dead' : STATE_CLASS[state]}`} data-testid="campaign-state">
      {state === 'paused' && next?.releases === 'at' ? `paused until ${when(next.at)}` : failed ? `done, ${totals.failed} failed` : state}
    </span>
  );
}

const CANCELLED_FROM: Record<CancelledBy, string> = { cli: 'the CLI', api: 'the admin API', dashboard: 'the dashboard' };

const released = (c: CampaignStatus) => c.waves.filter((w) => w.releasedAt).length;
const campaignPath = (c: CampaignStatus) => `/campaigns/${encodeURIComponent(c.name)}`;

/** The contact counts both tables show, in one order: a wave's and the campaign's totals. */
const COUNTS = [
  ['members', 'Members'],
  ['queued', 'Queued'],
  ['sent', 'Sent'],
  ['sandboxed', 'Sandboxed'],
  ['failed', 'Failed'],
  ['skipped', 'Skipped'],
  ['cancelled', 'Cancelled'],
] as const satisfies readonly (readonly [keyof CampaignStatus['totals'], string])[];

const CountHeaders = () => (
  <>
    {COUNTS.map(([, label]) => (
      <th scope="col">{label}</th>
    ))}
  </>
);

const CountCells = (props: { counts: CampaignStatus['totals'] }) => (
  <>
    {COUNTS.map(([key]) => (
      <td>{props.counts[key]}</td>
    ))}
  </>
);

export function CampaignsPage(props: { campaigns: CampaignStatus[]; csrf: string }) {
  const { campaigns } = props;
  return (
    <Layout title="Campaigns" section="campaigns" csrf={props.csrf}>
      {campaigns.length === 0 ? (
        <p data-testid="no-campaigns">
          No campaigns yet. Create one from a YAML file with <code>npx closeloop campaign create &lt;file&gt;</code> (add <code>--dry-run</code> first to see who it
          would contact), or with <code>POST /api/campaigns</code>; the Campaigns page of the docs (<code>docs/campaigns.md</code>) shows how.
        </p>
      ) : (
        <div class="scroll" tabindex={0}>
          <table class="nowrap">
            <caption>
              {campaigns.length === CAMPAIGNS_SHOWN ? `The newest ${CAMPAIGNS_SHOWN}` : 'Newest first'}; the counts are of contacts (jobs)
            </caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">State</th>
                <th scope="col">Waves released</th>
                <CountHeaders />
                <th scope="col">Action</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr data-testid="campaign-row">
                  <th scope="row">
                    <a href={campaignPath(c)}>{c.name}</a>
                  </th>
                  <td>
                    <StateBadge campaign={c} />
                  </td>
                  <td>
                    {released(c)} / {c.waves.length}
                  </td>
                  <CountCells counts={c.totals} />
                  <td>
                    <code>{c.action}</code>
                  </td>
                  <td>{when(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/** What a person wrote in the definition, for the summary (the definition is stored as given). */
function given(definition: unknown, key: string): unknown {
  return definition && typeof definition === 'object' ? (definition as Record<string, unknown>)[key] : undefined;
}

function Notices(props: { query: CampaignQuery }) {
  const q = props.query;
  return (
    <>
      {q.approved !== undefined && (
        <Notice kind="ok">
          Wave {q.approved} released{q.queued !== undefined ? `: ${q.queued} contact${q.queued === 1 ? '' : 's'} queued` : ''}.
        </Notice>
      )}
      {q.cancelled === '1' && (
        <Notice kind="ok">
          Campaign cancelled{q.jobs !== undefined ? `: ${q.jobs} queued contact${q.jobs === 1 ? '' : 's'} cancelled` : ''}. No wave will be released.
        </Notice>
      )}
      {q.cancelled === 'already' && <Notice kind="ok">It was cancelled already: nothing changed.</Notice>}
    </>
  );
}

function NextWave(props: { campaign: CampaignStatus; csrf: string }) {
  const c = props.campaign;
  const next = c.next;
  const label = next && c.waves.find((w) => w.wave === next.wave)?.label;
  if (c.cancelled) return <p data-testid="next-wave">None: the campaign is cancelled, so no wave will be released.</p>;
  if (!next) return <p data-testid="next-wave">None: every wave is released.</p>;
  const paused = next.releases === 'at';
  return (
    <>
      <p data-testid="next-wave">
        {paused
          ? `Wave ${next.wave} (${label}) is released at ${when(next.at)}, ${duration(('pauseMs' in c.betweenWaves ? c.betweenWaves.pauseMs : 0) / 1000)} after the wave before it; approving releases it now.`
          : `Wave ${next.wave} (${label}) waits for approval.`}
      </p>
      <form method="post" action={`${campaignPath(c)}/approve`} class="filters">
        <CsrfField token={props.csrf} />
        <input type="hidden" name="wave" value={String(next.wave)} />
        <button type="submit">{paused ? 'Release next wave now' : 'Approve next wave'}</button>
      </form>
    </>
  );
}

export function CampaignPage(props: { data: CampaignData; csrf: string }) {
  const { campaign: c, query } = props.data;
  const description = given(c.definition, 'description');
  const state = stateOf(c);
  return (
    <Layout title={`Campaign ${c.name}`} section="campaigns" csrf={props.csrf}>
      <Notices query={query} />
      <p>
        <StateBadge campaign={c} /> <a href="/campaigns">All campaigns</a>
      </p>

      <section aria-labelledby="definition">
        <h2 id="definition">Definition</h2>
        <dl class="facts">
          {typeof description === 'string' && (
            <>
              <dt>Description</dt>
              <dd>{description}</dd>
            </>
          )}
          <dt>Action</dt>
          <dd>
            <code>{c.action}</code>
          </dd>
          <dt>Created</dt>
          <dd>{when(c.createdAt)}</dd>
          <dt>Between waves</dt>
          <dd>{'approval' in c.betweenWaves ? 'an approval' : `a pause of ${duration(c.betweenWaves.pauseMs / 1000)}`}</dd>
          <dt>Members</dt>
          <dd>
            {c.totals.members} in {c.waves.length} wave{c.waves.length === 1 ? '' : 's'}, chosen and frozen when it was created
          </dd>
          {([['filter', 'Filter'], ['waves', 'Waves']] as const).map(([key, label]) => {
            const value = given(c.definition, key);
            return (
              value !== undefined && (
                <>
                  <dt>{label}</dt>
                  <dd>
                    <code>{JSON.stringify(value)}</code>
                  </dd>
                </>
              )
            );
          })}
        </dl>
        <details>
          <summary>The definition as given</summary>
          <div class="scroll" tabindex={0}>
            <pre>{JSON.stringify(c.definition, null, 2)}</pre>
          </div>
        </details>
      </section>

      <section aria-labelledby="waves">
        <h2 id="waves">Waves</h2>
        <div class="scroll" tabindex={0}>
          <table class="nowrap">
            <caption>Each wave's members and where their contacts (jobs) stand</caption>
            <thead>
              <tr>
                <th scope="col">Wave</th>
                <th scope="col">Released</th>
                <CountHeaders />
              </tr>
            </thead>
            <tbody>
              {c.waves.map((w) => (
                <tr data-testid="wave-row">
                  <th scope="row">
                    {w.wave}: {w.label}
                  </th>
                  <td>{w.releasedAt ? `${when(w.releasedAt)} (${w.releasedBy})` : c.cancelled ? 'never (cancelled)' : 'not yet'}</td>
                  <CountCells counts={w} />
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td>
                  {released(c)} of {c.waves.length} released
                </td>
                <CountCells counts={c.totals} />
              </tr>
            </tfoot>
          </table>
        </div>
        <p class="muted small">
          Failed contacts are dead jobs: replay them on <a href="/loop-health">Loop health</a> while the campaign is not cancelled.
        </p>
      </section>

      <section aria-labelledby="next">
        <h2 id="next">Next wave</h2>
        <NextWave campaign={c} csrf={props.csrf} />
      </section>

      <section aria-labelledby="cancel">
        <h2 id="cancel">Cancellation</h2>
        {c.cancelled ? (
          <p data-testid="cancellation">
            Cancelled {when(c.cancelled.at)} from {CANCELLED_FROM[c.cancelled.by]}: {c.cancelled.reason ?? 'no reason given'}.
          </p>
        ) : state === 'done' ? (
          <p>Not cancelled; there is nothing left to cancel: every wave is released and every contact finished.</p>
        ) : (
          <>
            <p>
              Cancelling stops the waves to come and cancels the contacts still queued; one being sent finishes. It cannot be undone.
            </p>
            <form method="post" action={`${campaignPath(c)}/cancel`} class="filters">
              <CsrfField token={props.csrf} />
              <label>
                Reason (optional, at most 500 characters)
                <input type="text" name="reason" maxlength={500} />
              </label>
              <button type="submit">Cancel campaign</button>
            </form>
          </>
        )}
      </section>
    </Layout>
  );
}
