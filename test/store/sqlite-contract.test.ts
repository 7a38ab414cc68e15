import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('better-sqlite3', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  return { store, close: () => store.close() };
});

describe('the runtime-agnostic store', () => {
  it('imports no node: module and no Node-only package (Workers run it)', () => {
    const dir = join(import.meta.dirname, '../../src/store');
    const imports = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => `${f}: ${m[1]}`));
    expect(imports.length).toBeGreaterThan(20);
    expect(imports.filter((i) => /: (node:|better-sqlite3)/.test(i))).toEqual([]);
    // Relative imports stay inside the runtime-agnostic layers.
    expect(imports.filter((i) => /: \.\.\/(runtime|http|connectors)\//.test(i))).toEqual([]);
  });
});
