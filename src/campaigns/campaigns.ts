import type { ActionRegistry } from '../../connectors/registry.js';
import { HubError } from '../core/errors.js';
import type { CampaignCancellation, CampaignRow, CancelledBy, CancelOutcome, WaveProgressRow } from '../store/campaigns.js';
import { newId } from '../store/ids.js';
import type { Store } from '../store/store.js';
import type { CompiledCampaign } from './compile.js';
import { candidateQuery, planCampaign, type PlannedWave } from './plan.js';

/** What running a campaign needs; the same on Node and Workers. */
export interface CampaignDeps {
  store: Store;
  registry: ActionRegistry;
  /** Attempts of each contact's job (the action's connector's retry policy). */
  maxAttempts(action: string): number;
  now(): Date;
}

/** Who a campaign would contact, in which wave, with the rendered parameters: nothing is written. */
export interface CampaignDryRun {
  dryRun: true;
  name: string;
  action: string;
  members: number;
  skipped: number;
  waves: { wave: number; label: string; members: { responseId: string; respondent: string | null; score: number | null; params: unknown; skipped: string | null }[] }[];
}

/** Where a campaign stands: each wave's members and their jobs, and what releases the next wave. */
export interface CampaignStatus {
  id: string;
  name: string;
  action: string;
  createdAt: string;
  /** The definition as it was given. */
  definition: unknown;
  /** `approval`, or the pause between waves in milliseconds. */
  betweenWaves: { approval: true } | { pauseMs: number };
  /** When, by what (`cli`, `api`, `dashboard`) and why it was cancelled; null while it runs. */
  cancelled: CampaignCancellation | null;
  /** The next wave to release and when: on approval, or at a time; null once every wave is released, or once cancelled. */
  next: { wave: number; releases: 'on approval' } | { wave: number; releases: 'at'; at: string } | null;
  waves: WaveProgressRow[];
  totals: Omit<WaveProgressRow, 'wave' | 'label' | 'releasedAt' | 'releasedBy'>;
}

async function plan(campaign: CompiledCampaign, campaignId: string, deps: Pick<CampaignDeps, 'store' | 'now'>): Promise<PlannedWave[]> {
  const candidates = await deps.store.campaignCandidates(candidateQuery(campaign.definition, deps.now()));
  return planCampaign(campaign, campaignId, candidates);
}

/** The dry run: exactly the members {@link createCampaign} would freeze now, with their rendered parameters. */
export async function dryRunCampaign(campaign: CompiledCampaign, deps: Pick<CampaignDeps, 'store' | 'now'>): Promise<CampaignDryRun> {
  const waves = await plan(campaign, 'dry-run', deps);
  const all = waves.flatMap((w) => w.members);
  return {
    dryRun: true,
    name: campaign.definition.name,
    action: campaign.registered.fullName,
    members: all.length,
    skipped: all.filter((m) => m.skipped).length,
    waves: waves.map((w) => ({
      wave: w.wave,
      label: w.label,
      members: w.members.map((m) => ({ responseId: m.responseId, respondent: m.respondent, score: m.score, params: m.params, skipped: m.skipped })),
    })),
  };
}

/**
 * Create a campaign: choose its members now and freeze them (wave, job id and key, rendered
 * parameters), and release its first wave — one atomic write. A name in use is refused (409),
 * so running the same file twice contacts nobody twice.
 */
export async function createCampaign(campaign: CompiledCampaign, deps: CampaignDeps): Promise<CampaignStatus> {
  const { definition, registered } = campaign;
  const existing = await deps.store.getCampaign(definition.name);
  if (existing) throw nameTaken(existing);
  const id = newId();
  const waves = await plan(campaign, id, deps);
  const now = deps.now().toISOString();
  const created = await deps.store.createCampaign({
    id,
    name: definition.name,
    action: registered.fullName,
    definition: campaign.input,
    pauseMs: 'pause' in definition.betweenWaves ? definition.betweenWaves.pause : null,
    maxAttempts: deps.maxAttempts(registered.fullName),
    createdAt: now,
    waves: waves.map((w) => ({ wave: w.wave, label: w.label })),
    members: waves.flatMap((w) => w.members.map((m) => ({ ...m, jobId: newId(), skipReason: m.skipped }))),
  });
  if (!created.created) {
    // Another request took the name between the look-up and the write (which wrote nothing).
    const other = await deps.store.getCampaign(definition.name);
    throw other ? nameTaken(other) : new HubError(409, 'campaign_exists', `A campaign named ${definition.name} exists`, [{ field: 'name', message: 'in use' }]);
  }
  return campaignStatus(deps.store, id);
}

function nameTaken(existing: CampaignRow): HubError {
  return new HubError(409, 'campaign_exists', `A campaign named ${existing.name} exists (${existing.id}); campaign names are unique, so the same file run twice contacts nobody twice`, [
    { field: 'name', message: `in use by campaign ${existing.id}` },
  ]);
}

/**
 * Release the next wave now (an approval; for a paused campaign, sooner than its pause). Only the
 * wave after the last one released, and once: approving twice at the same moment releases one wave.
 * With `expected.wave` (the wave a person saw waiting, as the dashboard's form sends it), another
 * wave is refused (409): a second click on a page gone stale does not release the wave after.
 */
export async function approveCampaign(
  idOrName: string,
  deps: Pick<CampaignDeps, 'store' | 'now'>,
  expected?: { wave: number },
): Promise<{ campaign: CampaignStatus; released: number; queued: number }> {
  const before = await campaignStatus(deps.store, idOrName);
  if (before.cancelled) throw cancelledError(before.name, before.cancelled);
  if (!before.next) throw new HubError(409, 'all_waves_released', `Every wave of campaign ${before.name} is released`, [{ field: 'id', message: 'no wave left to approve' }]);
  const wave = before.next.wave;
  if (expected && expected.wave !== wave) {
    throw expected.wave < wave
      ? new HubError(409, 'wave_already_released', `Wave ${expected.wave} of campaign ${before.name} is released already; the next is wave ${wave}`, [{ field: 'wave', message: `wave ${expected.wave} already released` }])
      : new HubError(409, 'not_next_wave', `Wave ${expected.wave} of campaign ${before.name} is not the next one: wave ${wave} is`, [{ field: 'wave', message: `wave ${wave} is next` }]);
  }
  const result = await deps.store.releaseCampaignWave({ campaignId: before.id, wave, now: deps.now().toISOString(), by: 'approval' });
  if (!result.released) {
    // The release's guard refused: cancelled meanwhile, or this wave released by someone else.
    const after = await campaignStatus(deps.store, before.id);
    if (after.cancelled) throw cancelledError(after.name, after.cancelled);
    throw new HubError(409, 'wave_already_released', `Wave ${wave} of campaign ${before.name} was released meanwhile`, [{ field: 'id', message: `wave ${wave} already released` }]);
  }
  return { campaign: await campaignStatus(deps.store, before.id), released: wave, queued: result.queued };
}

function cancelledError(name: string, cancelled: CampaignCancellation): HubError {
  return new HubError(409, 'campaign_cancelled', `Campaign ${name} was cancelled at ${cancelled.at}; no wave is released after a cancel`, [{ field: 'id', message: 'campaign cancelled' }]);
}

/** What a cancel did (nothing, when it was cancelled already), where the campaign's jobs stand, and the campaign. */
export interface CancelResult extends CancelOutcome {
  /** True when an earlier cancel had stopped it: this one changed nothing. */
  alreadyCancelled: boolean;
  /** Waves that will never be released. */
  wavesNotReleased: number;
  campaign: CampaignStatus;
}

/**
 * Cancel a campaign (by id or name): no wave is released after, and its jobs not yet claimed by a
 * runner end `cancelled`, one atomic write; a job being sent finishes. Cancelling again changes
 * nothing and says so (`alreadyCancelled`), so a script may run it twice.
 */
export async function cancelCampaign(idOrName: string, cancel: { by: CancelledBy; reason: string | null }, deps: Pick<CampaignDeps, 'store' | 'now'>): Promise<CancelResult> {
  const before = await campaignStatus(deps.store, idOrName);
  const outcome = await deps.store.cancelCampaign({ campaignId: before.id, now: deps.now().toISOString(), by: cancel.by, reason: cancel.reason });
  const campaign = await campaignStatus(deps.store, before.id);
  return { ...outcome, alreadyCancelled: !outcome.cancelled, wavesNotReleased: campaign.waves.filter((w) => !w.releasedAt).length, campaign };
}

/**
 * The runner's sweep: release every paused wave whose pause has passed since the previous wave
 * was released. Guarded in the store, so two runners (or a restart mid-sweep) release a wave once.
 */
export async function releasePausedWaves(store: Store, now: Date): Promise<{ released: number; queued: number }> {
  let released = 0;
  let queued = 0;
  for (const w of await store.pausedCampaignWaves()) {
    const dueAt = Date.parse(w.previousReleasedAt) + w.pauseMs;
    if (dueAt > now.getTime()) continue;
    const notAfter = new Date(now.getTime() - w.pauseMs).toISOString();
    const result = await store.releaseCampaignWave({ campaignId: w.campaignId, wave: w.wave, now: now.toISOString(), by: 'pause', previousReleasedBy: notAfter });
    if (result.released) (released += 1), (queued += result.queued);
  }
  return { released, queued };
}

/** A campaign's progress, by id or name; 404 when there is none. */
export async function campaignStatus(store: Store, idOrName: string): Promise<CampaignStatus> {
  const campaign = await store.getCampaign(idOrName);
  if (!campaign) throw new HubError(404, 'not_found', `No campaign ${idOrName}`, [{ field: 'id', message: 'no such campaign' }]);
  return statusOf(campaign, await store.campaignProgress(campaign.id));
}

/** Campaigns, newest first, each with its progress. */
export async function listCampaigns(store: Store, limit: number): Promise<CampaignStatus[]> {
  const campaigns = await store.listCampaigns(limit);
  return Promise.all(campaigns.map(async (c) => statusOf(c, await store.campaignProgress(c.id))));
}

function statusOf(campaign: CampaignRow, waves: WaveProgressRow[]): CampaignStatus {
  const nextIndex = waves.findIndex((w) => w.releasedAt === null);
  const previous = nextIndex > 0 ? waves[nextIndex - 1] : undefined;
  let next: CampaignStatus['next'] = null;
  if (nextIndex !== -1 && !campaign.cancelled) {
    const wave = waves[nextIndex]!.wave;
    next = campaign.pauseMs !== null && previous?.releasedAt ? { wave, releases: 'at', at: new Date(Date.parse(previous.releasedAt) + campaign.pauseMs).toISOString() } : { wave, releases: 'on approval' };
  }
  const sum = (k: keyof CampaignStatus['totals']) => waves.reduce((n, w) => n + w[k], 0);
  return {
    id: campaign.id,
    name: campaign.name,
    action: campaign.action,
    createdAt: campaign.createdAt,
    definition: campaign.definition,
    betweenWaves: campaign.pauseMs === null ? { approval: true } : { pauseMs: campaign.pauseMs },
    cancelled: campaign.cancelled,
    next,
    waves,
    totals: { members: sum('members'), skipped: sum('skipped'), queued: sum('queued'), sent: sum('sent'), sandboxed: sum('sandboxed'), failed: sum('failed'), cancelled: sum('cancelled') },
  };
}
