import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONNECTORS } from '../../connectors/registry.js';
import { loadConfig } from '../../src/core/config.js';
import { SOURCES } from '../../src/sources/registry.js';
import { settingsGroups } from '../../scripts/reference/configuration.js';

const run = promisify(execFile);
const UNIT = 'deploy/closeloop.service';
const CADDYFILE = 'deploy/Caddyfile';

/** The unit's `[Service]` directives, each with every value it was given (some repeat). */
function serviceDirectives(): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  let section = '';
  for (const line of readFileSync(UNIT, 'utf8').split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service' && /^\w+=/.test(line)) {
      const [key, ...rest] = line.split('=');
      directives.set(key!, [...(directives.get(key!) ?? []), rest.join('=')]);
    }
  }
  return directives;
}

const unit = serviceDirectives();
const one = (key: string) => {
  const values = unit.get(key) ?? [];
  expect(values, key).toHaveLength(1);
  return values[0]!;
};
const unitEnv = Object.fromEntries((unit.get('Environment') ?? []).map((e) => e.split('=', 2) as [string, string]));

describe('deploy/closeloop.service (systemd)', () => {
  it('runs `closeloop serve` (package.json bin) with `npm start`\'s Node flags, from the installation directory', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { closeloop: string }; scripts: { start: string } };
    const nodeFlags = pkg.scripts.start.split(' ').filter((a) => /^--[a-z-]+=/.test(a));
    expect(nodeFlags).toContain('--max-semi-space-size=16');
    expect(one('ExecStart')).toBe(`/usr/bin/node ${nodeFlags.join(' ')} ${pkg.bin.closeloop} serve`);
    expect(existsSync(pkg.bin.closeloop)).toBe(true);
    expect(one('WorkingDirectory')).toBe('/opt/closeloop');
  });

  it('sets only variables the hub knows, with values its configuration accepts', () => {
    const known = new Set(settingsGroups(CONNECTORS, SOURCES.values()).flatMap((g) => g.settings.map((s) => s.name)));
    for (const name of Object.keys(unitEnv)) expect(known, name).toContain(name);
    const config = loadConfig(unitEnv);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.CLOSELOOP_DB).toBe(`/var/lib/${one('StateDirectory')}/closeloop.db`);
  });

  it('keeps the database in a private state directory and reads its secrets from the file the deployment guide creates', () => {
    expect(one('StateDirectory')).toBe('closeloop');
    expect(one('StateDirectoryMode')).toBe('0700');
    expect(one('UMask')).toBe('0077');
    const envFile = one('EnvironmentFile');
    expect(envFile).toBe('/etc/closeloop/closeloop.env');
    expect(readFileSync('docs/deployment.md', 'utf8')).toContain(envFile);
    expect(readFileSync('.env.example', 'utf8')).toContain(envFile);
    expect(readFileSync('docs/deployment.md', 'utf8')).toContain(unitEnv.CLOSELOOP_RECIPES);
  });

  it('runs as its own user, hardened', () => {
    expect(one('User')).toBe('closeloop');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
      SystemCallArchitectures: 'native',
    })) {
      expect(one(key), key).toBe(value);
    }
    expect(unit.get('SystemCallFilter')).toEqual(['@system-service', '~@privileged']);
    // V8's JIT needs writable executable memory: this one would stop node at start.
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('refuses to start without CLOSELOOP_ADMIN_TOKEN (behind the proxy every request is from 127.0.0.1)', async () => {
    const pre = one('ExecStartPre');
    expect(pre.startsWith("/bin/sh -c '")).toBe(true);
    // systemd turns `$$` into `$`; the shell then reads the variable from the environment.
    const script = pre.slice("/bin/sh -c '".length, -1).replaceAll('$$', '$');
    const without = await run('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('set CLOSELOOP_ADMIN_TOKEN in /etc/closeloop/closeloop.env');
    await expect(run('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH, CLOSELOOP_ADMIN_TOKEN: 'a-long-admin-token-0123456789' } })).resolves.toBeDefined();
  });

  it('passes `systemd-analyze verify` without a warning (Debian package: systemd)', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', UNIT]);
    expect(stdout + stderr).toBe('');
  });
});

describe('deploy/Caddyfile', () => {
  const caddyfile = readFileSync(CADDYFILE, 'utf8');

  it('proxies to the address the unit makes the hub listen on, and keeps the health probes on the machine', () => {
    const upstreams = [...caddyfile.matchAll(/^\s*reverse_proxy\s+(\S+)/gm)].map((m) => m[1]);
    expect(upstreams).toEqual([`${unitEnv.HOST}:${unitEnv.PORT}`]);
    // Shared tokens can travel in ?token=: an access log would keep them.
    expect(caddyfile).not.toMatch(/^\s*log\b/m);
  });

  it('passes `caddy validate` (Debian package: caddy)', async () => {
    const { stdout, stderr } = await run('caddy', ['validate', '--config', CADDYFILE, '--adapter', 'caddyfile']);
    expect(stdout + stderr).toContain('Valid configuration');
  });

  it('in front of a hub: proxies webhooks and the API with the forwarding headers, keeps the probes to itself', async () => {
    // The hub's stand-in records what reaches it.
    const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const upstream: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"r","duplicate":false}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const port = await freePort();
    // The shipped file, served over plain HTTP on a free port (no certificate here) to the stand-in.
    const config = join(mkdtempSync(join(tmpdir(), 'caddy-')), 'Caddyfile');
    writeFileSync(
      config,
      `{\n\tadmin off\n}\n${caddyfile.replace('closeloop.example.com {', `http://127.0.0.1:${port} {`).replace(`reverse_proxy ${unitEnv.HOST}:${unitEnv.PORT}`, `reverse_proxy 127.0.0.1:${upstreamPort}`)}`,
    );
    const caddy = spawn('caddy', ['run', '--config', config, '--adapter', 'caddyfile'], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(base);
      received.length = 0;

      for (const probe of ['/healthz', '/readyz']) expect((await fetch(base + probe)).status, probe).toBe(404);
      expect(received).toEqual([]);

      const webhook = await fetch(`${base}/webhooks/typeform?token=t`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"score":9}' });
      expect(webhook.status).toBe(202);
      const api = await fetch(`${base}/api/jobs?status=dead`, { headers: { authorization: 'Bearer token-of-the-admin' } });
      expect(api.status).toBe(202);
      expect(received.map((r) => [r.method, r.url, r.body])).toEqual([
        ['POST', '/webhooks/typeform?token=t', '{"score":9}'],
        ['GET', '/api/jobs?status=dead', ''],
      ]);
      // What the hubspot source rebuilds the signed URL from.
      expect(received[0]!.headers['x-forwarded-proto']).toBe('http');
      expect(received[0]!.headers['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
      expect(received[1]!.headers.authorization).toBe('Bearer token-of-the-admin');
    } finally {
      caddy.kill();
      upstream.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Until Caddy answers (it starts in well under a second; the deadline is for a loaded machine). */
async function waitFor(base: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`${base}/healthz`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
