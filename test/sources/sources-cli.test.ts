import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/sources/registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('closeloop sources', () => {
  it('lists every source with its endpoint, whether its secret is set, and its settings, never their values', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'silent',
      PORT: '9123',
      ZENDESK_CSAT_WEBHOOK_SECRET: 'zd-secret-value-1',
      REFINER_NPS_KEY: 'how_likely_refiner_key',
    };
    const { stdout } = await run(process.execPath, ['bin/closeloop.js', 'sources', '--json'], { cwd: ROOT, env });
    expect(stdout).not.toContain('zd-secret-value-1');
    expect(stdout).not.toContain('how_likely_refiner_key');
    const listing = JSON.parse(stdout) as { name: string; url: string; secretVariable: string; secretSet: boolean; settings: { name: string; set: boolean }[] }[];
    const byName = new Map(listing.map((s) => [s.name, s]));
    expect(listing.map((s) => s.name).sort()).toEqual([...SOURCES.keys()].sort());
    for (const name of SOURCES.keys()) expect(byName.get(name)?.url).toBe(`http://localhost:9123/webhooks/${name}`);
    expect(byName.get('zendesk-csat')).toMatchObject({ secretVariable: 'ZENDESK_CSAT_WEBHOOK_SECRET', secretSet: true });
    expect(byName.get('typeform')).toMatchObject({ secretSet: false, settings: [{ name: 'TYPEFORM_NPS_FIELD_REF', set: false }] });
    expect(byName.get('refiner')?.settings).toMatchObject([{ name: 'REFINER_NPS_KEY', set: true }]);

    const text = await run(process.execPath, ['bin/closeloop.js', 'sources'], { cwd: ROOT, env });
    expect(text.stdout).toContain('hotjar  (Hotjar)\n  endpoint  http://localhost:9123/webhooks/hotjar\n  secret    HOTJAR_WEBHOOK_SECRET is NOT set: requests are accepted unsigned while every connector is in sandbox mode\n');
    expect(text.stdout).not.toContain('zd-secret-value-1');
  });

  it('says which sources refuse unsigned requests once a connector has credentials, and which are not enabled', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '9123',
      SLACK_BOT_TOKEN: 'xoxb-live-123456',
      CLOSELOOP_ALLOW_UNSIGNED: 'hotjar',
      CLOSELOOP_SOURCES: 'hotjar,typeform',
    };
    const { stdout } = await run(process.execPath, ['bin/closeloop.js', 'sources'], { cwd: ROOT, env });
    expect(stdout).toContain('  secret    TYPEFORM_WEBHOOK_SECRET is NOT set: requests are refused (401) because connectors have credentials; set it, or CLOSELOOP_ALLOW_UNSIGNED=typeform\n');
    expect(stdout).toContain('  secret    HOTJAR_WEBHOOK_SECRET is NOT set: requests are accepted unsigned (CLOSELOOP_ALLOW_UNSIGNED)\n');
    expect(stdout).toContain('generic  (Generic JSON (Standard Webhooks))\n  endpoint  http://localhost:9123/webhooks/generic\n  secret    GENERIC_WEBHOOK_SECRET is NOT set: requests are refused');
    expect(stdout).toContain('  enabled   no: not in CLOSELOOP_SOURCES, webhooks answer 404');
  });
});
