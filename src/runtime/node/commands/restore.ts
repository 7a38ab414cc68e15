import type { Command } from 'commander';

/** `closeloop restore <file>`: a backup back in place of CLOSELOOP_DB, refused while a hub has it open. */
export function registerRestore(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('restore')
    .description('Put a backup in place of the database (CLOSELOOP_DB); stop the hub first (refused while it has the database open); the replaced database is kept beside it')
    .argument('<file>', 'a file written by closeloop backup')
    .action(async (file: string) => {
      const [{ loadConfig }, { restoreDatabase }] = await Promise.all([import('../../../core/config.js'), import('../database-backup.js')]);
      const db = loadConfig(env).CLOSELOOP_DB;
      const restored = await restoreDatabase(file, db, new Date());
      console.log(`restored ${file} to ${db}: ${restored.responses} response(s), ${restored.jobs} job(s), schema ${restored.schemaVersion}`);
      if (restored.previous) console.log(`the database it replaced is kept as ${restored.previous}`);
    });
}
