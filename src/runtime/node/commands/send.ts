import type { Command } from 'commander';

export function registerSend(program: Command, env: Record<string, string | undefined>): void {
  void program;
  void env;
}
