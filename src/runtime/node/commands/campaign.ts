import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import type { CampaignDryRun, CampaignStatus, CancelResult } from '../../../campaigns/campaigns.js';
import type { Env } from '../../../core/env.js';
import { HubError, zodIssues } from '../../../core/errors.js';
import type { CampaignMemberRow } from '../../../store/campaigns.js';
import { withHubDatabase } from './insights-database.js';

/**
 * `closeloop campaign create|list|status|approve|cancel`: advocacy waves over stored responses
 * (docs/campaigns.md). Writes go straight to CLOSELOOP_DB; a running hub delivers the jobs a
 * release queues at its next poll.
 */
export function registerCampaignCommand(program: Command, env: Env) {
  const campaign = program.command('campaign').description('Run an action over stored responses chosen by a filter, in waves released by approval or after a pause (docs/campaigns.md)');

  campaign
    .command('create')
    .description('Create a campaign from a YAML file: its members are chosen and frozen now, its first wave is queued')
    .argument('<file>', 'campaign file (YAML)')
    .option('--dry-run', 'list who would be contacted, in which wave, with the rendered parameters; write nothing')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { dryRun?: boolean; json?: boolean }) => {
      const [{ actionRegistry, CONNECTORS }, { compileCampaignFile }, { createCampaign, dryRunCampaign }, { loadHubConfig }] = await Promise.all([
        import('../../../../connectors/registry.js'),
        import('../../../campaigns/compile.js'),
        import('../../../campaigns/campaigns.js'),
        import('../hub.js'),
      ]);
      const registry = actionRegistry(CONNECTORS);
      // Checked before the database is opened: a mistake in the file is reported with its line.
      const compiled = compileCampaignFile({ file, text: readFileSync(file, 'utf8') }, registry);
      const { policies } = loadHubConfig(env);
      const now = () => new Date();
      await withHubDatabase(env, async (store) => {
        if (opts.dryRun) {
          const plan = await dryRunCampaign(compiled, { store, now });
          console.log(opts.json ? JSON.stringify(plan) : formatDryRun(plan));
          return;
        }
        const created = await createCampaign(compiled, { store, registry, now, maxAttempts: (action) => policies.retryOf(action).maxAttempts });
        console.log(opts.json ? JSON.stringify(created) : formatStatus(created));
      });
    });

  campaign
    .command('list')
    .description('List campaigns, newest first, with their progress')
    .option('--limit <n>', 'how many (1–500)', limitOption, 50)
    .option('--json', 'print JSON lines')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const { listCampaigns } = await import('../../../campaigns/campaigns.js');
      const campaigns = await withHubDatabase(env, (store) => listCampaigns(store, opts.limit));
      for (const c of campaigns) {
        if (opts.json) console.log(JSON.stringify(c));
        else console.log([c.id, c.name, c.action, `${c.waves.filter((w) => w.releasedAt).length}/${c.waves.length} waves released`, progressWords(c.totals), nextWords(c)].join('  '));
      }
      if (!opts.json) console.log(`${campaigns.length} campaign(s)`);
    });

  campaign
    .command('status')
    .description("A campaign's progress per wave: members, queued, sent, sandboxed, failed, skipped; and what releases the next wave")
    .argument('<id>', 'campaign id or name')
    .option('--members', 'also list every member: wave, respondent, score, job status')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { members?: boolean; json?: boolean }) => {
      const { campaignStatus } = await import('../../../campaigns/campaigns.js');
      await withHubDatabase(env, async (store) => {
        const status = await campaignStatus(store, id);
        const members = opts.members ? await store.campaignMembers(status.id) : undefined;
        if (opts.json) return console.log(JSON.stringify(members ? { ...status, members } : status));
        console.log(formatStatus(status));
        if (members) console.log(formatMembers(members));
      });
    });

  campaign
    .command('approve')
    .description('Release the next wave of a campaign now (a running hub delivers it at its next poll)')
    .argument('<id>', 'campaign id or name')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { approveCampaign } = await import('../../../campaigns/campaigns.js');
      await withHubDatabase(env, async (store) => {
        const result = await approveCampaign(id, { store, now: () => new Date() });
        if (opts.json) return console.log(JSON.stringify(result));
        console.log(`wave ${result.released} released: ${result.queued} job(s) queued`);
        console.log(formatStatus(result.campaign));
      });
    });

  campaign
    .command('cancel')
    .description('Cancel a campaign: no wave is released after, its jobs not yet claimed are cancelled (one being sent finishes); cancelling again changes nothing')
    .argument('<id>', 'campaign id or name')
    .option('--reason <text>', 'why (at most 500 characters), kept with the campaign and shown by status')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { reason?: string; json?: boolean }) => {
      const [{ cancelCampaign }, { CancelRequest }] = await Promise.all([import('../../../campaigns/campaigns.js'), import('../../../campaigns/definition.js')]);
      const parsed = CancelRequest.safeParse({ reason: opts.reason });
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid cancel:', zodIssues(parsed.error).map((i) => ({ ...i, field: `--${i.field}` })));
      await withHubDatabase(env, async (store) => {
        const result = await cancelCampaign(id, { by: 'cli', reason: parsed.data.reason || null }, { store, now: () => new Date() });
        console.log(opts.json ? JSON.stringify(result) : `${cancelWords(result)}\n${formatStatus(result.campaign)}`);
      });
    });
}

function cancelWords(r: CancelResult): string {
  if (r.alreadyCancelled) return `campaign ${r.campaign.name} was already cancelled (${r.campaign.cancelled!.at}, by ${r.campaign.cancelled!.by}): nothing more cancelled`;
  return `campaign ${r.campaign.name} cancelled: ${r.jobsCancelled} queued job(s) cancelled, ${r.stillRunning} already running (they finish), ${r.alreadyDone} already done; ${r.wavesNotReleased} wave(s) will not be released`;
}

function limitOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('must be a whole number from 1 to 500');
  return n;
}

function formatDryRun(plan: CampaignDryRun): string {
  const lines = [`dry run: campaign ${plan.name} → ${plan.action}: ${plan.members - plan.skipped} to contact in ${plan.waves.length} wave(s), ${plan.skipped} skipped; nothing written`];
  for (const w of plan.waves) {
    lines.push('', `wave ${w.wave} (${w.label}): ${w.members.length} member(s)`);
    for (const m of w.members) {
      const who = `${m.respondent ?? '(anonymous)'}  score ${m.score ?? '—'}  response ${m.responseId}`;
      lines.push(m.skipped ? `  skip ${who}: ${m.skipped}` : `  ${who}  ${JSON.stringify(m.params)}`);
    }
  }
  return lines.join('\n');
}

function progressWords(t: CampaignStatus['totals']): string {
  return `${t.members} members: ${t.queued} queued, ${t.sent} sent, ${t.sandboxed} sandboxed, ${t.failed} failed, ${t.skipped} skipped, ${t.cancelled} cancelled`;
}

function nextWords(c: CampaignStatus): string {
  if (c.cancelled) return 'next: none, cancelled: no wave will be released';
  if (!c.next) return 'every wave released';
  return c.next.releases === 'at' ? `next: wave ${c.next.wave} at ${c.next.at}` : `next: wave ${c.next.wave} on approval (closeloop campaign approve ${c.name})`;
}

function formatStatus(c: CampaignStatus): string {
  const between = 'approval' in c.betweenWaves ? 'approval' : `a pause of ${formatDuration(c.betweenWaves.pauseMs)}`;
  const header = ['wave', 'label', 'members', 'queued', 'sent', 'sandboxed', 'failed', 'skipped', 'cancelled', 'released'];
  const rows = c.waves.map((w) => [
    String(w.wave),
    w.label,
    ...[w.members, w.queued, w.sent, w.sandboxed, w.failed, w.skipped, w.cancelled].map(String),
    w.releasedAt ? `${w.releasedAt} (${w.releasedBy})` : c.cancelled ? 'never (cancelled)' : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [
    `campaign ${c.id}  ${c.name} → ${c.action}  created ${c.createdAt}; between waves: ${between}`,
    ...(c.cancelled ? [`cancelled ${c.cancelled.at} by ${c.cancelled.by}${c.cancelled.reason ? `: ${c.cancelled.reason}` : ''}`] : []),
    ...[header, ...rows].map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()),
    `total: ${progressWords(c.totals)}`,
    nextWords(c),
  ].join('\n');
}

function formatMembers(members: CampaignMemberRow[]): string {
  return members.map((m) => `  wave ${m.wave}  ${(m.respondent ?? '(anonymous)').padEnd(32)}  score ${m.score ?? '—'}  ${m.skipReason ? `skipped: ${m.skipReason}` : (m.status ?? 'not released')}  ${m.jobKey}`).join('\n');
}

function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1000}s`;
}
