// Regenerates the reference pages and .env.example from the code (a test fails when one is stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CONNECTORS } from '../connectors/registry.js';
import { buildProgram } from '../src/runtime/node/program.js';
import { SOURCES } from '../src/sources/registry.js';
import { referencePages } from './reference/pages.js';

for (const [path, text] of referencePages({ connectors: CONNECTORS, sources: SOURCES, program: buildProgram() })) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
