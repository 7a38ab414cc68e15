import { Command, InvalidArgumentError } from 'commander';
import { HubError, zodIssues, type FieldIssue } from '../../core/errors.js';
import { JOB_STATUSES, type JobStatus } from '../../core/job.js';
import { formatIssue, RecipeLoadError } from '../../recipes/recipe.js';
import type { DeadJobFilter } from '../../store/store.js';
import type { SqliteStore } from './sqlite-store.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { loadDotenvFile } from './dotenv-file.js';
import { packageVersion } from './package-version.js';
import { registerBackup } from './commands/backup.js';
import { registerRestore } from './commands/restore.js';
import { registerSend } from './commands/send.js';

// Start-up time: only commander and light modules load here; each action imports what it needs
// (the connectors' SDKs alone take seconds), so `--version`, `jobs` and `send` start fast.

// `closeloop jobs | head -1`: the reader leaving is not an error.
exitQuietlyOnClosedPipe(process.stdout);

// A snapshot: every reader (a webhook reads its secret and field paths) gets a plain object, not
// process.env's native getter on each look-up; the hub reads its environment once at start anyway.
// Filled with `.env` (the environment wins) before any command runs.
const env: Record<string, string | undefined> = { ...process.env };
const program = new Command('closeloop')
  .description('Close the NPS feedback loop')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .hook('preAction', () => {
    loadDotenvFile(process.env);
    Object.assign(env, process.env);
  });

program
  .command('serve')
  .description('Serve webhooks and the admin API, and deliver jobs (PORT, CLOSELOOP_DB, CLOSELOOP_RECIPES)')
  .action(async () => {
    const { startServer } = await import('./serve.js');
    await startServer({ env });
  });

program
  .command('check')
  .description('Validate configuration and recipes (file:line errors); exit 1 on any problem')
  .option('--connectors', 'also make one harmless call per configured connector to verify its credentials')
  .action(async (opts: { connectors?: boolean }) => {
    const [{ actionRegistry, CONNECTORS }, { verifyConnectors }, { loadHubConfig }, { loadRecipesDir }, { checkRecipeParams }] = await Promise.all([import('../../../connectors/registry.js'), import('../../../connectors/verify-connectors.js'), import('./hub.js'), import('./recipes-dir.js'), import('../../recipes/check.js')]);
    const { config } = loadHubConfig(env);
    const registry = actionRegistry(CONNECTORS);
    const recipes = loadRecipesDir(config.CLOSELOOP_RECIPES, new Set(registry.keys()));
    const issues = checkRecipeParams(recipes, registry);
    if (issues.length) throw new RecipeLoadError(issues);
    const { rules } = (await import('./themes-file.js')).loadThemesFile(config);
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
  .action(async (opts: { json?: boolean }) => {
    const [{ loadConfig }, { SOURCES }, { formatSourceListing, listSources }, { CONNECTORS }] = await Promise.all([import('../../core/config.js'), import('../../sources/registry.js'), import('../../sources/source-listing.js'), import('../../../connectors/registry.js')]);
    const config = loadConfig(env);
    const policy = { enabled: config.CLOSELOOP_SOURCES, allowUnsigned: config.CLOSELOOP_ALLOW_UNSIGNED, anyConnectorLive: CONNECTORS.some((c) => c.configured(env)) };
    const listing = listSources(SOURCES.values(), env, `http://localhost:${config.PORT}`, policy);
    console.log(opts.json ? JSON.stringify(listing, null, 2) : formatSourceListing(listing));
  });

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
    const [{ deadJobFilter, ReplayFilter }, { REPLAY_CHUNK, replayInChunks }] = await Promise.all([import('../../jobs/replay-filter.js'), import('../../jobs/replay.js')]);
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

registerBackup(program, env);
registerRestore(program, env);
registerSend(program, env);

/**
 * Commands in their own modules, loaded only when named (or all of them for help and for an
 * unknown command's suggestions): several import the connectors' SDKs, which take seconds.
 */
const COMMAND_MODULES: Record<string, () => Promise<void>> = {
  try: async () => (await import('./commands/try.js')).registerTry(program, env),
  show: async () => (await import('./commands/show.js')).registerShow(program, env),
  nps: async () => (await import('./commands/nps.js')).registerNpsCommand(program, env),
  export: async () => (await import('./commands/export.js')).registerExportCommand(program, env),
  digest: async () => (await import('./commands/digest.js')).registerDigestCommand(program, env),
  loops: async () => (await import('./commands/loops.js')).registerLoopsCommand(program, { withDatabase }),
  'admin-token': async () => (await import('./commands/admin-token.js')).registerAdminTokenCommand(program, env),
  themes: async () => (await import('./commands/themes.js')).registerThemesCommand(program, env),
  forget: async () => (await import('./commands/forget.js')).registerForgetCommand(program, env),
  campaign: async () => (await import('./commands/campaign.js')).registerCampaignCommand(program, env),
};
const named = process.argv[2];
const inline = new Set(program.commands.map((c) => c.name()));
const needed = named && COMMAND_MODULES[named] ? [named] : named === '-V' || named === '--version' || (named && inline.has(named)) ? [] : Object.keys(COMMAND_MODULES);
// In the order above, so `--help` lists them as written.
for (const name of Object.keys(COMMAND_MODULES)) if (needed.includes(name)) await COMMAND_MODULES[name]!();

/** The hub's database, which must exist (a command that reads or replays never creates an empty one), closed after use. */
async function withDatabase<T>(use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { SqliteStore }] = await Promise.all([import('../../core/config.js'), import('./sqlite-store.js')]);
  const store = new SqliteStore({ path: loadConfig(env).CLOSELOOP_DB, mustExist: true });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Why a job is where it is: a dead job's reason, or the last failure of one still trying. */
function reasonOf(job: { status: JobStatus; lastError: string | null; updatedAt: string }): string {
  if (job.status === 'cancelled') return `cancelled with its campaign at ${job.updatedAt}: not sent`;
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
