import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { BIN, cliEnv, closeloop, freePort, ROOT, serveInBackground } from '../support/cli.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('closeloop start-up', () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-start-'));
    db = join(dir, 'hub.db');
    await new SqliteStore({ path: db }).close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--version prints the version of package.json', async () => {
    expect(await closeloop(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect((await closeloop(['-V'])).stdout).toBe(`${VERSION}\n`);
  });

  it('runs the compiled CLI, and --version and jobs load no connector nor vendor SDK', async () => {
    for (const args of [['--version'], ['jobs']]) {
      const trace = join(dir, `trace-${args[0]}`);
      writeFileSync(trace, '');
      const result = await closeloop(args, { env: { CLOSELOOP_DB: db, TRACE_MODULES: trace }, nodeArgs: ['--import', join(ROOT, 'test/support/trace-modules.mjs')] });
      expect(result.code, result.stderr).toBe(0);
      const loaded = readFileSync(trace, 'utf8').trim().split('\n');
      expect(loaded).toContain(`file://${ROOT}/dist/src/runtime/node/cli.js`);
      expect(loaded.filter((url) => url.endsWith('.ts'))).toEqual([]);
      expect(loaded.filter((url) => /\/connectors\/|@hubspot|jsforce|node-zendesk|intercom-client|@slack|liquidjs|cel-js|hono/.test(url))).toEqual([]);
    }
  });

  it('a reader that leaves early (closeloop jobs | head -1) ends it quietly, compiled or from source (npm run closeloop)', async () => {
    for (const argv of [[BIN, 'jobs'], ['--import', 'tsx', 'src/runtime/node/cli.ts', 'jobs']]) {
      const child = spawn(process.execPath, argv, { cwd: ROOT, env: cliEnv({ CLOSELOOP_DB: db }), stdio: ['ignore', 'pipe', 'pipe'] });
      // The reading end closed before the first line is written: that write fails with EPIPE.
      child.stdout!.destroy();
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise((r) => child.once('close', r));
      expect({ argv, code, stderr }).toEqual({ argv, code: 0, stderr: '' });
    }
  });

  it('.env in the working directory is read by every command; the environment wins over it', async () => {
    const fromFile = join(dir, 'from-file', 'hub.db');
    writeFileSync(join(dir, '.env'), `# settings\nexport CLOSELOOP_DB=${fromFile}\n\nLOG_LEVEL="silent"  # quiet\n`);
    const read = await closeloop(['jobs'], { cwd: dir });
    expect(read.code).toBe(1);
    expect(read.stderr).toContain(`No database at ${fromFile}`);

    const overridden = await closeloop(['jobs'], { cwd: dir, env: { CLOSELOOP_DB: db } });
    expect(overridden).toEqual({ code: 0, stdout: '0 job(s)\n', stderr: '' });
  });

  it('.env with a line dotenv would skip is refused, naming the line and not repeating it', async () => {
    writeFileSync(join(dir, '.env'), `CLOSELOOP_DB=${db}\nTYPEFORM_WEBHOOK_SECRET = "multi\nline"\nGENERIC_WEBHOOK_SECRET whsec_c2VjcmV0\n# fine\n`);
    const result = await closeloop(['jobs'], { cwd: dir });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `Invalid ${join(dir, '.env')} (nothing was read from it):\n  line 4: is not KEY=value (quote a value with spaces or #; start a comment with #)\n`,
    });
  });

  it('serve reads .env (as npm start does), and a second hub on a busy port says so in one line', async () => {
    const port = await freePort();
    writeFileSync(join(dir, '.env'), `PORT=${port}\nHOST=127.0.0.1\nCLOSELOOP_DB=${db}\nCLOSELOOP_RECIPES=${join(ROOT, 'recipes')}\n`);
    const hub = await serveInBackground(port, { cwd: dir });
    try {
      const second = await closeloop(['serve'], { cwd: dir, env: { CLOSELOOP_DB: join(dir, 'other.db') } });
      expect(second).toEqual({ code: 1, stdout: '', stderr: `Port ${port} is already in use on 127.0.0.1: stop what listens there, or set PORT to another port\n` });
    } finally {
      expect(await hub.stop()).toBe(0);
    }
  }, 90_000);
});
