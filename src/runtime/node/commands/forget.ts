import type { Command } from 'commander';
import { z } from 'zod';
import { actionRegistry, CONNECTORS } from '../../../../connectors/registry.js';
import type { Env } from '../../../core/env.js';
import { HubError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { forgetRespondent, type ForgetResult } from '../../../privacy/forget.js';
import { applyRetention, retentionCutoff } from '../../../privacy/retention.js';
import { loadHubConfig } from '../hub.js';
import { SqliteStore } from '../sqlite-store.js';

const Email = z.string().trim().toLowerCase().pipe(z.email('must be an email address'));

/**
 * `closeloop forget <email> [--downstream] [--json]`: erase a respondent from CLOSELOOP_DB and list
 * what the hub created for them at the vendors; `closeloop forget --retention`: one retention pass
 * now (CLOSELOOP_RETENTION). A running hub picks the queued erasure jobs up on its next poll.
 */
export function registerForgetCommand(program: Command, env: Env): void {
  program
    .command('forget')
    .description("Erase a respondent's personal data (responses, raw bodies, versions, jobs, cached CRM lookups) and list what the hub created for them at the vendors; --retention: apply CLOSELOOP_RETENTION now")
    .argument('[email]', 'the respondent (matched trimmed and case-insensitively)')
    .option('--downstream', 'also erase at the vendors where an action can (Slack messages deleted, Zendesk comments redacted), through the job queue, once')
    .option('--retention', 'instead: remove the personal data of every response older than CLOSELOOP_RETENTION')
    .option('--json', 'print the result as JSON')
    .action(async (email: string | undefined, opts: { downstream?: boolean; retention?: boolean; json?: boolean }) => {
      const { config, policies } = loadHubConfig(env);
      if (opts.retention) {
        if (email !== undefined || opts.downstream) throw new HubError(400, 'invalid_arguments', 'Give an email, or --retention alone');
        if (!config.CLOSELOOP_RETENTION) throw new HubError(400, 'invalid_arguments', 'CLOSELOOP_RETENTION is not set (e.g. 400d): nothing is old enough to scrub', [{ field: 'CLOSELOOP_RETENTION', message: 'is not set' }]);
        const retentionMs = config.CLOSELOOP_RETENTION;
        const now = new Date();
        const scrubbed = await withStore(config.CLOSELOOP_DB, (store) => applyRetention(store, retentionMs, now, silentLogger));
        const receivedBefore = retentionCutoff(now, retentionMs);
        if (opts.json) console.log(JSON.stringify({ scrubbed, receivedBefore }));
        else console.log(`retention: personal data removed from ${scrubbed} response(s) received before ${receivedBefore}`);
        return;
      }
      if (email === undefined) throw new HubError(400, 'invalid_arguments', 'Give the email of the respondent to forget, or --retention');
      const parsed = Email.safeParse(email);
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', `Invalid email "${email}"`, [{ field: 'email', message: 'must be an email address' }]);
      const registry = actionRegistry(CONNECTORS);
      const result = await withStore(config.CLOSELOOP_DB, (store) =>
        forgetRespondent({ store, registry, maxAttempts: (action) => policies.retryOf(action).maxAttempts, now: () => new Date() }, parsed.data, { downstream: opts.downstream }),
      );
      console.log(opts.json ? JSON.stringify(result) : formatForgetResult(result));
    });
}

async function withStore<T>(path: string, use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ path, mustExist: true });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** What a person reads: the counts, jobs in flight, then each downstream object and what becomes of it. */
export function formatForgetResult(r: ForgetResult): string {
  const e = r.erased;
  const lines = [
    `forgot ${r.email}: ${e.responses} response(s), ${e.versions} earlier version(s), ${e.jobs} job(s) (${r.cancelledJobs} cancelled before sending), ${e.attempts} attempt(s), ${e.cacheEntries} cached CRM lookup(s), ${e.throttleMarks} throttle mark(s)`,
  ];
  for (const j of r.inFlight) lines.push(`  in flight: ${j.action ?? 'plan'} (job ${j.jobId}) may still reach the vendor; nothing it answers is stored`);
  if (!r.downstream.length) lines.push('downstream: nothing was sent to a vendor for them');
  else lines.push('downstream (what the hub created for them at the vendors):');
  for (const d of r.downstream) {
    const remote = Object.entries(d.remote)
      .filter(([k]) => k !== 'remoteId')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const fate = {
      queued: `erasure queued (${d.erasureAction})`,
      'already-queued': `erasure already queued (${d.erasureAction})`,
      erasable: `erasable with --downstream (${d.erasureAction})`,
      manual: 'erase it at the vendor by hand',
    }[d.erasure];
    lines.push(`  ${d.action}  ${remote}  → ${fate}`);
  }
  return lines.join('\n');
}
