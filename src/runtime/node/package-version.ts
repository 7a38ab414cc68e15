import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of closeloop's package.json, found upwards from this file: it runs from
 * `src/runtime/node/` (tsx) or `dist/src/runtime/node/` (compiled).
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'closeloop') return dir;
    if (dirname(dir) === dir) throw new Error(`closeloop's package.json not found above ${from}`);
  }
}

/** The `version` of closeloop's package.json (`closeloop --version`). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
