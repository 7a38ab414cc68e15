import type { Command } from 'commander';

export function registerRestore(program: Command, env: Record<string, string | undefined>): void {
  void program;
  void env;
}
