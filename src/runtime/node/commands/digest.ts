import type { Command } from 'commander';
import { HubError } from '../../../core/errors.js';
import { buildDigest, digestJob, digestMessage, topThemesFrom } from '../../../insights/digest.js';
import { SOURCES } from '../../../sources/registry.js';
import { loadHubConfig } from '../hub.js';
import { withHubDatabase } from './insights-database.js';
import { loadThemesFile } from '../themes-file.js';

/** `closeloop digest`: the weekly digest of the last complete week, printed (`--dry-run`) or queued for a running hub. */
export function registerDigestCommand(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('digest')
    .description('The weekly insights digest of the last complete week: print it (--dry-run), or queue it for the running hub to post to CLOSELOOP_DIGEST_CHANNEL (once per week)')
    .option('--dry-run', 'print the digest; nothing is queued or sent')
    .option('--json', 'with --dry-run: print the Slack message parameters as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { config, policies } = loadHubConfig(env);
      const channel = config.CLOSELOOP_DIGEST_CHANNEL;
      if (!channel && !opts.dryRun) {
        throw new HubError(400, 'invalid_config', 'CLOSELOOP_DIGEST_CHANNEL is not set: no digest to queue (--dry-run prints it anyway)', [{ field: 'CLOSELOOP_DIGEST_CHANNEL', message: 'is not set' }]);
      }
      const themes = loadThemesFile(config);
      await withHubDatabase(env, async (store) => {
        const options = { channel: channel ?? '(CLOSELOOP_DIGEST_CHANNEL)', tz: config.CLOSELOOP_DIGEST_TZ, by: config.CLOSELOOP_DIGEST_BY, sources: [...SOURCES.keys()], topThemes: topThemesFrom(store, () => themes.fingerprint()) };
        const now = new Date();
        const digest = await buildDigest(store, now, options);
        const message = digestMessage(digest, options.channel);
        if (opts.dryRun) {
          if (opts.json) return console.log(JSON.stringify(message, null, 2));
          console.log(`${message.channel}: ${message.text}\n`);
          for (const f of message.fields) console.log(`${f.label}\n  ${f.value.replace(/\n/g, '\n  ')}`);
          return console.log(`\n${message.context}`);
        }
        const queued = await store.enqueueJobs([digestJob(digest, options.channel, policies.retryOf('slack').maxAttempts, now)]);
        console.log(queued.length ? `digest of the week of ${digest.week.period} queued for ${options.channel}` : `the digest of the week of ${digest.week.period} was queued before: nothing to do`);
      });
    });
}
