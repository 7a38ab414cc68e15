import { InvalidArgumentError, type Command } from 'commander';
import { CONNECTORS } from '../../../../connectors/registry.js';
import type { Env } from '../../../core/env.js';
import { loadConfig } from '../../../core/config.js';
import { HubError } from '../../../core/errors.js';
import type { StoredResponse } from '../../../core/response.js';
import type { Job } from '../../../core/job.js';
import type { RecipeVerdict } from '../../../recipes/verdict.js';
import { SqliteStore } from '../sqlite-store.js';

/** One response as `closeloop show` tells it: the response, each recipe's verdict, its jobs and where to see what they made. */
export interface ResponseStory {
  response: StoredResponse;
  verdicts: RecipeVerdict[];
  jobs: (Job & { link: string | null })[];
}

/** `closeloop show <id|email>`: what happened to a response (or to each of a respondent's, newest first). */
export function registerShow(program: Command, env: Env) {
  program
    .command('show')
    .description('What happened to a response: each recipe\'s verdict and the jobs, with links to the ticket, message or event they made')
    .argument('<id|email>', 'a response id, or a respondent\'s email (their responses, newest first)')
    .option('--limit <n>', 'for an email: how many responses', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
      return n;
    }, 10)
    .option('--json', 'print JSON lines, one per response')
    .action(async (target: string, opts: { limit: number; json?: boolean }) => {
      const store = new SqliteStore({ path: loadConfig(env).CLOSELOOP_DB, mustExist: true });
      try {
        const byEmail = target.includes('@');
        const responses = byEmail ? await store.listResponsesByEmail(target, opts.limit) : [await store.getResponse(target)].filter((r) => r !== undefined);
        if (!responses.length) {
          throw new HubError(404, 'not_found', byEmail ? `No response from ${target}` : `No response ${target}`, [{ field: byEmail ? 'email' : 'id', message: 'no such response' }]);
        }
        const stories: ResponseStory[] = [];
        for (const response of responses) {
          const jobs = (await store.listJobs({ responseId: response.id, limit: 500 })).reverse();
          stories.push({ response, verdicts: await store.listVerdicts(response.id), jobs: jobs.map((j) => ({ ...j, link: linkOf(j, env) })) });
        }
        console.log(opts.json ? stories.map((s) => JSON.stringify(s)).join('\n') : stories.map(formatStory).join('\n\n'));
      } finally {
        await store.close();
      }
    });
}

/** Where a person sees what a delivered job made (its connector's `link`), or null. */
function linkOf(job: Job, env: Env): string | null {
  if (job.status !== 'succeeded' || !job.action || job.result === null || typeof job.result !== 'object') return null;
  const connector = CONNECTORS.find((c) => job.action!.startsWith(`${c.name}.`));
  return connector?.link?.(job.result as { remoteId: string | null }, env) ?? null;
}

const VERDICT_WORDS: Record<RecipeVerdict['verdict'], string> = {
  matched: 'matched',
  not_matched: 'not matched',
  throttled: 'throttled',
  disabled: 'disabled',
  no_score: 'no score',
};

export function formatStory({ response: r, verdicts, jobs }: ResponseStory): string {
  const lines = [
    `response ${r.id}  ${r.source} ${r.sourceResponseId}  received ${r.receivedAt}${r.version > 1 ? `  version ${r.version}` : ''}`,
    `  ${r.score === null ? 'no score' : `score ${r.score}${r.category ? ` (${r.category})` : ''}`}, ${r.respondent.email ?? 'no email'}, comment: ${r.comment === null ? 'none' : JSON.stringify(r.comment)}`,
  ];
  const versions = [...new Set(verdicts.map((v) => v.responseVersion))];
  if (!versions.length) {
    const planned = jobs.some((j) => j.type === 'plan' && j.status === 'succeeded');
    lines.push(planned ? '  recipes: no verdicts recorded' : '  recipes: not planned yet');
  }
  for (const version of versions) {
    const group = verdicts.filter((v) => v.responseVersion === version);
    lines.push(`  recipes (version ${version}, planned ${group[0]!.plannedAt}):`);
    for (const v of group) {
      lines.push(`    ${VERDICT_WORDS[v.verdict].padEnd(11)}  ${v.recipe}: ${v.reason}`);
      for (const a of v.skippedActions) lines.push(`    ${''.padEnd(11)}  skipped ${a.id} → ${a.action}: ${a.reason}`);
    }
  }
  const actions = jobs.filter((j) => j.type === 'action');
  if (actions.length) lines.push('  jobs:');
  for (const j of actions) {
    const followUp = j.parentJobId ? ` (follow-up, version ${j.responseVersion})` : '';
    lines.push(`    ${j.status.padEnd(9)}  ${j.recipe}/${j.actionId} → ${j.action}${followUp}  ${jobDetail(j)}`.trimEnd());
  }
  return lines.join('\n');
}

function jobDetail(j: Job & { link: string | null }): string {
  switch (j.status) {
    case 'succeeded':
      return j.link ?? '';
    case 'sandboxed':
      return 'sandbox: not sent';
    case 'dead':
      return `dead: ${j.lastError ?? 'no error recorded'}`;
    case 'cancelled':
      return `cancelled with its campaign: not sent`;
    default:
      return j.lastError ? `attempt ${j.attempts}/${j.maxAttempts}, last error: ${j.lastError}` : `attempt ${j.attempts}/${j.maxAttempts}`;
  }
}
