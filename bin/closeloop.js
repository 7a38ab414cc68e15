#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs as `prepare`);
// without a build, the TypeScript source through tsx (several seconds slower to start).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/runtime/node/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/runtime/node/cli.ts');
}
