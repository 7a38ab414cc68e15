import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/sources/registry.js';
import { sampleWebhook, type JsonExample } from '../../src/sources/sample.js';
import { closeloop, freePort, ROOT, serveInBackground } from '../support/cli.js';
import { makeTestHub } from '../support/hub.js';

const BASE = 'http://localhost:8787';
const GENERIC_SECRET = `whsec_${Buffer.from('send-test-generic-secret').toString('base64')}`;
/** A secret per source, in each source's accepted format. */
const secretOf = (name: string) => (name === 'generic' ? GENERIC_SECRET : `${name}-secret-0123456789`);
const SECRETS = Object.fromEntries([...SOURCES.values()].map((s) => [s.secretVariable, secretOf(s.name)]));
const example = (name: string): JsonExample => JSON.parse(readFileSync(join(ROOT, 'samples', `${name}.json`), 'utf8'));
/** A score each source's scale holds, as the tool sends it. */
const SCORE: Record<string, string> = { 'zendesk-csat': 'bad', 'intercom-csat': '2' };

describe('closeloop send: sample webhooks signed as each tool signs', () => {
  let hub: ReturnType<typeof makeTestHub> | undefined;
  afterEach(async () => hub?.cleanup());

  for (const source of SOURCES.values()) {
    it(`${source.name}: the sample is accepted (202) with the secret set, read back as sent, and a wrong secret gets 401`, async () => {
      hub = makeTestHub({ env: SECRETS });
      const values = { id: `send-${source.name}-1`, score: SCORE[source.name] ?? '3', comment: 'Sent by closeloop send ✉️', email: 'sender@example.com' };
      const post = async (secret: string) => {
        const webhook = await sampleWebhook(source, { example: example(source.name), values, secret, baseUrl: BASE, env: SECRETS, now: new Date() });
        const res = await hub!.app.request(webhook.url, { method: 'POST', headers: webhook.headers, body: webhook.body });
        return { status: res.status, json: (await res.json()) as { id: string; error?: { issues: { field: string }[] } }, notCarried: webhook.notCarried };
      };

      const wrong = await post(source.name === 'generic' ? `whsec_${Buffer.from('another-secret').toString('base64')}` : 'not-the-secret-0123456789');
      expect(wrong.status, JSON.stringify(wrong.json)).toBe(401);
      expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);

      const res = await post(secretOf(source.name));
      expect(res.status, JSON.stringify(res.json)).toBe(202);
      const stored = (await hub.store.getResponse(res.json.id))!;
      // Zendesk CSAT's id is the ticket and its rating (a re-rating is a new response).
      expect(stored.sourceResponseId).toBe(source.name === 'zendesk-csat' ? `${values.id}:bad` : values.id);
      if (res.notCarried.length) {
        expect(res.notCarried).toEqual(['score', 'comment', 'email']);
        expect(source.fetch, 'a source whose webhook carries no answers reads them through its API').toBeDefined();
      } else {
        expect([stored.comment, stored.respondent.email]).toEqual([values.comment, values.email]);
        expect(stored.score).toBe(source.name === 'zendesk-csat' ? 0 : Number(values.score));
      }
    });
  }

  it('every source has a sample and a signer', () => {
    expect([...SOURCES.values()].filter((s) => !s.sample || !s.sign).map((s) => s.name)).toEqual([]);
  });
});

describe('closeloop send, the command', () => {
  it('posts to a running hub and prints its answer; a wrong secret prints the 401 and exits 1', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-send-'));
    const env = { ...SECRETS, PORT: String(port), HOST: '127.0.0.1', CLOSELOOP_DB: join(dir, `send-${port}.db`), CLOSELOOP_RECIPES: join(ROOT, 'recipes') };
    const running = await serveInBackground(port, { env });
    try {
      const args = ['send', 'typeform', '--score', '3', '--comment', 'Too slow', '--email', 'slow@example.com', '--id', 'tf-1'];
      const sent = await closeloop(args, { env });
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/^202 \{"id":"[^"]+","duplicate":false\}\n$/);
      const again = await closeloop(args, { env });
      expect(again.stdout).toMatch(/^202 \{"id":"[^"]+","duplicate":true\}\n$/);

      // HubSpot signs the URL too: the one given by --url.
      const hubspot = await closeloop(['send', 'hubspot', '--score', '9', '--url', running.url], { env: { ...env, PORT: '1' } });
      expect(hubspot.stdout, hubspot.stderr).toMatch(/^202 /);

      const wrong = await closeloop(['send', 'delighted'], { env: { ...env, DELIGHTED_WEBHOOK_SECRET: 'not-the-secret' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/^401 \{"error":\{"code":"invalid_signature"/);
    } finally {
      expect(await running.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names the sources it knows, and says so when no hub answers', async () => {
    const unknown = await closeloop(['send', 'nope']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: `Unknown source "nope"; known: ${[...SOURCES.keys()].join(', ')}\n` });
    const port = await freePort();
    const nobody = await closeloop(['send', 'generic', '--url', `http://127.0.0.1:${port}`], { env: { GENERIC_WEBHOOK_SECRET: GENERIC_SECRET } });
    expect(nobody).toEqual({ code: 1, stdout: '', stderr: `No hub answers at http://127.0.0.1:${port} (ECONNREFUSED): start it (npm start) or pass --url\n` });
  });
});
