import { Command, InvalidArgumentError } from 'commander';
import { actionRegistry, CONNECTORS } from '../../../connectors/registry.js';
import { verifyConnectors } from '../../../connectors/verify-connectors.js';
import { loadConfig } from '../../core/config.js';
import { HubError, zodIssues, type FieldIssue } from '../../core/errors.js';
import { JOB_STATUSES, type JobStatus } from '../../jobs/job.js';
import { deadJobFilter, ReplayFilter } from '../../jobs/replay-filter.js';
import { REPLAY_CHUNK, replayInChunks } from '../../jobs/replay.js';
import type { DeadJobFilter } from '../../store/store.js';
import { checkRecipeParams } from '../../recipes/check.js';
import { formatIssue, RecipeLoadError } from '../../recipes/recipe.js';
import { SOURCES } from '../../sources/registry.js';
import { formatSourceListing, listSources } from '../../sources/source-listing.js';
import { registerAdminTokenCommand } from './commands/admin-token.js';
import { loadRecipesDir } from './recipes-dir.js';
import { registerDigestCommand } from './commands/digest.js';
import { registerExportCommand } from './commands/export.js';
import { registerNpsCommand } from './commands/nps.js';
import { startServer } from './serve.js';
import { registerShow } from './commands/show.js';
import { registerTry } from './commands/try.js';
import { loadHubConfig } from './hub.js';
import { SqliteStore } from './sqlite-store.js';
import { registerLoopsCommand } from './commands/loops.js';
import { registerThemesCommand } from './commands/themes.js';
import { loadThemesFile } from './themes-file.js';
import { registerForgetCommand } from './commands/forget.js';

// A snapshot: every reader (a webhook reads its secret and field paths) gets a plain object, not
// process.env's native getter on each look-up; the hub reads its environment once at start anyway.
const env: Record<string, string | undefined> = { ...process.env };
const program = new Command('closeloop').description('Close the NPS feedback loop').showHelpAfterError();

program
  .command('serve')
  .description('Serve webhooks and the admin API, and deliver jobs (PORT, CLOSELOOP_DB, CLOSELOOP_RECIPES)')
  .action(async () => {
    await startServer({ env });
  });

program
  .command('check')
  .description('Validate configuration and recipes (file:line errors); exit 1 on any problem')
  .option('--connectors', 'also make one harmless call per configured connector to verify its credentials')
  .action(async (opts: { connectors?: boolean }) => {
    const { config } = loadHubConfig(env);
    const registry = actionRegistry(CONNECTORS);
    const recipes = loadRecipesDir(config.CLOSELOOP_RECIPES, new Set(registry.keys()));
    const issues = checkRecipeParams(recipes, registry);
    if (issues.length) throw new RecipeLoadError(issues);
    const { rules } = loadThemesFile(config);
    for (const r of recipes) console.log(`ok  ${r.file}  ${r.name}${r.enabled ? '' : ' (disabled)'}: ${r.actions.map((a) => a.action).join(', ')}`);
    if (rules.file) console.log(`ok  ${rules.file}  themes: ${rules.themes.map((t) => t.name).join(', ')}`);
    if (!opts.connectors) for (const c of CONNECTORS) console.log(`${c.configured(env) ? 'live   ' : 'sandbox'}  ${c.title}`);
    console.log(`${recipes.length} recipe(s) valid`);
    if (opts.connectors) {
      const checks = await verifyConnectors(CONNECTORS, env);
      for (const c of checks) console.log(`${c.status.toUpperCase().padEnd(9)} ${c.title.padEnd(11)} ${c.detail}`);
      if (checks.some((c) => c.status === 'failed')) process.exitCode = 1;
    }
  });

program
  .command('sources')
  .description('List the survey sources: endpoint URL, whether the secret is set, settings (values are never printed)')
  .option('--json', 'print JSON')
  .action((opts: { json?: boolean }) => {
    const config = loadConfig(env);
    const policy = { enabled: config.CLOSELOOP_SOURCES, allowUnsigned: config.CLOSELOOP_ALLOW_UNSIGNED, anyConnectorLive: CONNECTORS.some((c) => c.configured(env)) };
    const listing = listSources(SOURCES.values(), env, `http://localhost:${config.PORT}`, policy);
    console.log(opts.json ? JSON.stringify(listing, null, 2) : formatSourceListing(listing));
  });

registerTry(program, env);
registerShow(program, env);

program
  .command('jobs')
  .description('List jobs, newest first')
  .option('--status <status>', `one of ${JOB_STATUSES.join(', ')}`, (v: string) => {
    if (!(JOB_STATUSES as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${JOB_STATUSES.join(', ')}`);
    return v as JobStatus;
  })
  .option('--limit <n>', 'how many', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
    return n;
  }, 50)
  .option('--json', 'print JSON lines')
  .action(async (opts: { status?: JobStatus; limit: number; json?: boolean }) => {
    const jobs = await withDatabase((store) => store.listJobs({ status: opts.status, limit: opts.limit }));
    for (const j of jobs) {
      if (opts.json) console.log(JSON.stringify(j));
      else console.log([j.id, j.status.padEnd(9), (j.action ?? 'plan').padEnd(22), `attempts ${j.attempts}/${j.maxAttempts}`, j.key, reasonOf(j)].join('  '));
    }
    if (!opts.json) console.log(`${jobs.length} job(s)`);
  });

program
  .command('replay')
  .description('Send dead jobs again (a running hub picks them up on its next poll): by id, or every dead job matching --dead filters')
  .argument('[jobIds...]', 'ids of dead jobs')
  .option('--dead', 'every dead job (narrow with --connector, --action, --since)')
  .option('--connector <name>', 'only this connector (zendesk, slack, …)')
  .option('--action <name>', 'only this action (zendesk.createTicket, …)')
  .option('--since <time>', 'only jobs dead since an ISO 8601 time or a duration back from now (90m, 2h, 3d)')
  .action(async (ids: string[], opts: { dead?: boolean; connector?: string; action?: string; since?: string }) => {
    const filtered = opts.connector !== undefined || opts.action !== undefined || opts.since !== undefined;
    if (ids.length && (opts.dead || filtered)) throw new HubError(400, 'invalid_arguments', 'Give job ids or --dead (with filters), not both');
    if (!ids.length && !opts.dead) throw new HubError(400, 'invalid_arguments', 'Give the ids of dead jobs, or --dead to replay every dead job (narrow with --connector, --action, --since)');
    const now = new Date();
    let filter: DeadJobFilter | undefined;
    if (opts.dead) {
      const parsed = ReplayFilter.safeParse({ status: 'dead', connector: opts.connector, action: opts.action, since: opts.since });
      if (!parsed.success) {
        throw new HubError(422, 'invalid_arguments', 'Invalid replay filter:', asOptions(zodIssues(parsed.error)));
      }
      filter = deadJobFilter(parsed.data, now);
    }
    await withDatabase(async (store) => {
      let targets = ids;
      if (filter) targets = await store.listDeadJobIds(filter);
      else {
        targets = [];
        for (const id of ids) {
          const job = await store.getJob(id);
          if (!job) console.log(`skip ${id}: no such job`);
          else if (job.status !== 'dead') console.log(`skip ${id}: ${job.status}, only dead jobs are replayed`);
          else targets.push(id);
        }
      }
      // A progress line per chunk: a large replay shows it is moving.
      const replayed = await replayInChunks(store, targets, () => new Date(), (done, total) => total > REPLAY_CHUNK && console.log(`… ${done}/${total}`));
      console.log(`replayed ${replayed} job(s)${filter && targets.length === 0 ? ' (no dead job matches)' : ''}`);
      if (ids.length && replayed < ids.length) process.exitCode = 1;
    });
  });

registerNpsCommand(program, env);
registerExportCommand(program, env);
registerDigestCommand(program, env);

registerLoopsCommand(program, { withDatabase });
registerAdminTokenCommand(program, env);
registerThemesCommand(program, env);
registerForgetCommand(program, env);

/** The hub's database, which must exist (a command that reads or replays never creates an empty one), closed after use. */
async function withDatabase<T>(use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ path: loadConfig(env).CLOSELOOP_DB, mustExist: true });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Why a job is where it is: a dead job's reason, or the last failure of one still trying. */
function reasonOf(job: { status: JobStatus; lastError: string | null; updatedAt: string }): string {
  if (!job.lastError) return '';
  return job.status === 'dead' ? `dead since ${job.updatedAt}: ${job.lastError}` : `last error: ${job.lastError}`;
}

/** Issues named by a request field (`since`) as the CLI names them: by option (`--since`). */
function asOptions(issues: FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, field: `--${i.field}` }));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof RecipeLoadError) {
    console.error(`Invalid recipes:\n${error.issues.map(formatIssue).join('\n')}`);
  } else if (error instanceof HubError) {
    console.error(error.message);
    for (const i of error.issues) console.error(`  ${i.field}: ${i.message}`);
  } else throw error;
  process.exitCode = 1;
}
