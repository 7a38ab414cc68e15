import type { Command } from 'commander';

/** `closeloop backup <file>`: a consistent copy of CLOSELOOP_DB, safe while the hub runs. */
export function registerBackup(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('backup')
    .description('Copy the database (CLOSELOOP_DB) to <file>, safely while the hub runs (SQLite online backup)')
    .argument('<file>', 'the copy to write (must not exist yet)')
    .action(async (file: string) => {
      const [{ loadConfig }, { backupDatabase }] = await Promise.all([import('../../../core/config.js'), import('../database-backup.js')]);
      const db = loadConfig(env).CLOSELOOP_DB;
      const copy = await backupDatabase(db, file);
      console.log(`backed up ${db} to ${file}: ${copy.responses} response(s), ${copy.jobs} job(s), schema ${copy.schemaVersion}`);
    });
}
