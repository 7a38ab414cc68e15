/**
 * Vitest global setup: the tests that spawn `bin/closeloop.js` run the compiled CLI (dist/), as
 * users do, so dist/ is rebuilt (`npm run build`) whenever a source file is newer than it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** The compiled entry point; tsc writes every file of dist/ on each build, this one included. */
export const COMPILED_CLI = join(ROOT, 'dist/src/runtime/node/cli.js');

/** Newest modification time (ms) of the build's inputs. */
function newestInput(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of ['src', 'connectors', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) visit(join(ROOT, input));
  return newest;
}

export function isBuildCurrent(): boolean {
  return existsSync(COMPILED_CLI) && statSync(COMPILED_CLI).mtimeMs >= newestInput();
}

export default function setup(): void {
  if (isBuildCurrent()) return;
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}
