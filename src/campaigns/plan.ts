import { emptyEnrichment } from '../core/account.js';
import { zodIssues } from '../core/errors.js';
import { recipeContext, respondentKey } from '../recipes/plan.js';
import { renderParams } from '../recipes/template.js';
import type { CampaignCandidate, CampaignMemberWrite, CandidateQuery } from '../store/campaigns.js';
import type { CompiledCampaign } from './compile.js';
import type { CampaignDefinition, ResponseFilter } from './definition.js';

/** Connectors whose actions reach the respondent: their jobs count as contacting them (with the campaign's own action). */
export const DEFAULT_CONTACTED_BY = ['intercom', 'zendesk'] as const;

/** One person the campaign contacts (or leaves out, saying why), in its wave: a member as it will be frozen, before its job has an id. */
export interface PlannedMember extends Omit<CampaignMemberWrite, 'jobId' | 'skipReason'> {
  receivedAt: string;
  /** Why this member gets no job (its parameters did not validate), or null. */
  skipped: string | null;
}

export interface PlannedWave {
  wave: number;
  label: string;
  members: PlannedMember[];
}

/** What the stored responses are filtered by, in SQL terms, periods resolved against `now`. */
export function candidateQuery(definition: CampaignDefinition, now: Date): CandidateQuery {
  const f = definition.filter;
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  return {
    metric: f.metric,
    ...scoresOf(f),
    ...(f.category !== undefined ? { categories: [f.category].flat() } : {}),
    ...(f.segments ? { segments: Object.fromEntries(Object.entries(f.segments).map(([d, v]) => [d, [v].flat()])) } : {}),
    ...(f.answeredWithin !== undefined ? { answeredSince: ago(f.answeredWithin) } : {}),
    ...(f.notContactedFor !== undefined ? { notContactedSince: { since: ago(f.notContactedFor), by: f.contactedBy ?? [...DEFAULT_CONTACTED_BY, definition.action] } } : {}),
    limit: f.limit,
  };
}

function scoresOf(f: ResponseFilter): Pick<CandidateQuery, 'scores'> {
  if (f.score === undefined) return {};
  if (typeof f.score === 'number') return { scores: [f.score] };
  return { scores: f.score };
}

export function campaignJobKey(campaignId: string, responseId: string, action: string): string {
  return `campaign:${campaignId}:${responseId}:${action}`;
}

/**
 * Who the campaign contacts, in which wave, with what: one member per respondent (the candidates
 * come highest score first, then newest), split into waves, each member's parameters rendered
 * from its response and the account snapshot its plan stored, and validated by the action's
 * schema. Pure: the dry run prints it, creation freezes it.
 */
export function planCampaign(campaign: CompiledCampaign, campaignId: string, candidates: readonly CampaignCandidate[]): PlannedWave[] {
  const { definition, registered } = campaign;
  const seen = new Set<string>();
  const people = candidates.filter((c) => {
    const key = respondentKey(c.response);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const waves = splitIntoWaves(definition, people);
  return waves.map((w, i) => ({
    wave: i + 1,
    label: w.label,
    members: w.members.map((c, position) => {
      const enrichment = emptyEnrichment();
      const context = recipeContext(c.response, { account: c.account ?? enrichment.account, contact: enrichment.contact }, { themes: c.themes, sentiment: c.sentiment });
      const base = {
        wave: i + 1,
        position,
        responseId: c.response.id,
        responseVersion: c.response.version,
        respondent: c.response.respondent.email ?? c.response.respondent.externalId,
        score: c.response.score,
        receivedAt: c.response.receivedAt,
        jobKey: campaignJobKey(campaignId, c.response.id, registered.fullName),
      };
      let rendered: unknown;
      try {
        rendered = renderParams(campaign.params, context);
      } catch (error) {
        return { ...base, params: null, skipped: `template failed: ${(error as Error).message.split('\n')[0]}` };
      }
      const fromContext = registered.action.contextParams?.(context);
      if (fromContext && rendered !== null && typeof rendered === 'object') rendered = { ...rendered, ...fromContext };
      const parsed = registered.action.params.safeParse(rendered);
      if (!parsed.success) {
        const issue = zodIssues(parsed.error)[0];
        return { ...base, params: null, skipped: `invalid parameters: params.${issue?.field} ${issue?.message}` };
      }
      return { ...base, params: parsed.data, skipped: null };
    }),
  }));
}

function splitIntoWaves(definition: CampaignDefinition, people: CampaignCandidate[]): { label: string; members: CampaignCandidate[] }[] {
  const waves = definition.waves;
  if (waves === undefined) return [{ label: 'everyone', members: people }];
  if (Array.isArray(waves)) {
    const split = waves.map((filter) => ({ label: describeFilter(filter), members: [] as CampaignCandidate[] }));
    for (const person of people) {
      const first = waves.findIndex((filter) => matches(filter, person));
      if (first !== -1) split[first]!.members.push(person);
    }
    return split;
  }
  if ('by' in waves) {
    const scores = [...new Set(people.map((p) => p.response.score))].sort((a, b) => (b ?? -1) - (a ?? -1));
    return scores.map((score) => ({ label: `score ${score}`, members: people.filter((p) => p.response.score === score) }));
  }
  const split: { label: string; members: CampaignCandidate[] }[] = [];
  for (let i = 0; i < people.length; i += waves.size) {
    const members = people.slice(i, i + waves.size);
    split.push({ label: `members ${i + 1}–${i + members.length}`, members });
  }
  return split.length ? split : [{ label: 'everyone', members: [] }];
}

/** Whether a candidate matches a wave's filter (segment values compared without case, as the campaign's filter is in SQL). */
export function matches(filter: ResponseFilter, c: CampaignCandidate): boolean {
  const score = c.response.score;
  if (filter.score !== undefined) {
    if (score === null) return false;
    if (typeof filter.score === 'number' && score !== filter.score) return false;
    if (Array.isArray(filter.score) && !filter.score.includes(score)) return false;
    if (!Array.isArray(filter.score) && typeof filter.score === 'object' && (score < filter.score.min || score > filter.score.max)) return false;
  }
  if (filter.category !== undefined && !([filter.category].flat() as string[]).includes(c.response.category ?? '')) return false;
  for (const [dimension, wanted] of Object.entries(filter.segments ?? {})) {
    const value = c.segments[dimension as keyof typeof c.segments]?.toLowerCase();
    if (value === undefined || !([wanted].flat() as string[]).some((w) => w.toLowerCase() === value)) return false;
  }
  return true;
}

/** A wave's filter in a few words: `score 10`, `score 8–9, plan enterprise`. */
export function describeFilter(filter: ResponseFilter): string {
  const parts: string[] = [];
  if (filter.score !== undefined) {
    if (typeof filter.score === 'number') parts.push(`score ${filter.score}`);
    else if (Array.isArray(filter.score)) parts.push(`score ${filter.score.join(', ')}`);
    else parts.push(`score ${filter.score.min}–${filter.score.max}`);
  }
  if (filter.category !== undefined) parts.push([filter.category].flat().join(', '));
  for (const [dimension, values] of Object.entries(filter.segments ?? {})) parts.push(`${dimension} ${[values].flat().join(', ')}`);
  return parts.join(', ') || 'everyone left';
}
