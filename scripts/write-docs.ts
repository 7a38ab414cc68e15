// Regenerates the reference pages and .env.example from the code (a test fails when one is stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { referenceInputs } from './reference/inputs.js';
import { referencePages } from './reference/pages.js';

for (const [path, text] of referencePages(await referenceInputs())) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
