import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub } from '../support/hub.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

async function closeloop(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/closeloop.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('closeloop admin-token', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('prints the token the hub generated beside CLOSELOOP_DB (what a command calling the API sends), or says how to get one', { timeout: 120_000 }, async () => {
    const hub = makeTestHub();
    try {
      const env = { CLOSELOOP_DB: hub.config.CLOSELOOP_DB };
      expect(await closeloop(['admin-token'], env)).toEqual({ code: 0, stdout: `${hub.adminToken.token}\n`, stderr: '' });
      expect((await closeloop(['admin-token', '--path'], env)).stdout).toBe(`${hub.config.CLOSELOOP_DB}.admin-token\n`);
    } finally {
      await hub.cleanup();
    }
    dir = mkdtempSync(join(tmpdir(), 'closeloop-token-'));
    const none = await closeloop(['admin-token'], { CLOSELOOP_DB: join(dir, 'hub.db') });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No admin token: CLOSELOOP_ADMIN_TOKEN is not set and the hub has not generated one yet');
  });
});
