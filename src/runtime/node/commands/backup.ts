import type { Command } from 'commander';

export function registerBackup(program: Command, env: Record<string, string | undefined>): void {
  void program;
  void env;
}
