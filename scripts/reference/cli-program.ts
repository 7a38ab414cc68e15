import { Command } from 'commander';

/**
 * The `closeloop` commander program with every command registered, as `src/runtime/node/cli.ts`
 * builds it, without running anything: that module parses `process.argv` when it loads, so
 * commander's parse is held back while it loads and the program is kept instead.
 */
export function loadCliProgram(): Promise<Command> {
  // A module loads once per process: later calls get the program of the first.
  loaded ??= captureProgram();
  return loaded;
}
let loaded: Promise<Command> | undefined;

async function captureProgram(): Promise<Command> {
  const parse = Command.prototype.parse;
  const parseAsync = Command.prototype.parseAsync;
  let program: Command | undefined;
  const keep = function (this: Command) {
    program ??= this;
    return this;
  };
  Command.prototype.parse = keep;
  Command.prototype.parseAsync = async function (this: Command) {
    return keep.call(this);
  };
  try {
    await import('../../src/runtime/node/cli.js');
  } finally {
    Command.prototype.parse = parse;
    Command.prototype.parseAsync = parseAsync;
  }
  if (!program) throw new Error('src/runtime/node/cli.ts did not parse a commander program when loaded');
  return program;
}
