import type { Command } from 'commander';
import type { Env } from '../../../core/env.js';
import { loadConfig } from '../../../core/config.js';
import { readAdminToken } from '../admin-token.js';

/**
 * `closeloop admin-token`: print the admin API's bearer token (CLOSELOOP_ADMIN_TOKEN, or the one
 * the hub generated beside CLOSELOOP_DB), for `curl -H "Authorization: Bearer $(npx closeloop admin-token)"`.
 */
export function registerAdminTokenCommand(program: Command, env: Env): void {
  program
    .command('admin-token')
    .description('Print the admin API token (CLOSELOOP_ADMIN_TOKEN, or the one the hub generated beside CLOSELOOP_DB)')
    .option('--path', 'print where the generated token is kept instead of the token')
    .action((opts: { path?: boolean }) => {
      const { token, file } = readAdminToken(loadConfig(env));
      if (opts.path) console.log(file ?? '(CLOSELOOP_ADMIN_TOKEN is set: no file)');
      else console.log(token);
    });
}
