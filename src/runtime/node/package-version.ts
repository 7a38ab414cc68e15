import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of closeloop's package.json, found upwards from this file: it runs from
 * `src/runtime/node/` (tsx) or `dist/src/runtime/node/` (compiled).
 */
export function packageVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'closeloop' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`closeloop's package.json not found above ${from}`);
  }
}
