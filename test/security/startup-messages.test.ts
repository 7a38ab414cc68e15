import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/runtime/node/serve.js';

describe('start-up says where the admin token is and how each source is treated', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('logs the token file and the command that prints it, never the token; names the sources that refuse unsigned webhooks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'closeloop-start-'));
    const lines: string[] = [];
    const db = join(dir, 'hub.db');
    const env = { CLOSELOOP_DB: db, CLOSELOOP_RECIPES: 'recipes', PORT: String(20000 + Math.floor(Math.random() * 20000)), HOST: '127.0.0.1', LOG_LEVEL: 'info', SLACK_BOT_TOKEN: 'xoxb-live-123456', CLOSELOOP_SOURCES: 'typeform,generic', CLOSELOOP_ALLOW_UNSIGNED: 'generic' };
    const { hub, server } = await startServer({ env, logDestination: { write: (line: string) => void lines.push(line) } });
    try {
      const logs = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
      const token = readFileSync(`${db}.admin-token`, 'utf8').trim();
      expect(lines.join('')).not.toContain(token);
      expect(logs.map((l) => l.msg)).toContain(`admin API token generated in ${db}.admin-token (mode 0600): print it with \`npx closeloop admin-token\` and send it as "Authorization: Bearer <token>"`);
      expect(logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'TYPEFORM_WEBHOOK_SECRET is not set: typeform webhooks are refused (401) because connectors have credentials; set it, or CLOSELOOP_ALLOW_UNSIGNED=typeform',
          'GENERIC_WEBHOOK_SECRET is not set: generic webhooks are accepted unsigned (CLOSELOOP_ALLOW_UNSIGNED)',
        ]),
      );
      // Sources that are not enabled are not reported.
      expect(lines.join('')).not.toContain('DELIGHTED_WEBHOOK_SECRET');
      const res = await fetch(`http://127.0.0.1:${env.PORT}/api/jobs`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${env.PORT}/api/jobs`)).status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
    }
  });
});
