import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeloop } from '../support/cli.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

let hub: ReturnType<typeof makeTestHub> | undefined;
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
});

const FILE = `# Featured on G2: the 10s first, then the 9s, each wave on approval.
name: featured-on-g2
action: slack.postMessage
params:
  channel: "#advocates"
  text: "{{ response.respondent.email }} gave {{ response.score }}"
filter:
  category: promoter
  answeredWithin: 60d
  notContactedFor: 90d
waves:
  - score: 10
  - score: 9
betweenWaves:
  approval: true
`;

/** A hub's database holding these answers (planned), closed for the CLI; the campaign file beside it. */
async function storedAnswers(answers: [string, number][]) {
  hub = makeTestHub({ recipes: [] });
  for (const [id, score] of answers) {
    expect((await postWebhook(hub, 'generic', { response_id: id, score, email: `${id}@example.com` })).status).toBe(202);
  }
  await hub.loop.drain();
  await hub.close();
  const file = join(hub.dir, 'featured.yaml');
  writeFileSync(file, FILE);
  return { env: { CLOSELOOP_DB: hub.config.CLOSELOOP_DB }, file };
}

describe('closeloop campaign', () => {
  it('create --dry-run lists who, create queues wave 1, status shows progress, approve releases wave 2, list lists; a bad file is named by line', { timeout: 180_000 }, async () => {
    const { env, file } = await storedAnswers([['a', 10], ['b', 9], ['c', 10], ['d', 4]]);

    const dry = await closeloop(['campaign', 'create', file, '--dry-run'], { env });
    expect([dry.code, dry.stderr]).toEqual([0, '']);
    expect(dry.stdout).toMatch(/^dry run: campaign featured-on-g2 → slack\.postMessage: 3 to contact in 2 wave\(s\), 0 skipped; nothing written\n/);
    expect(dry.stdout).toContain('wave 1 (score 10): 2 member(s)\n  c@example.com  score 10');
    expect(dry.stdout).toContain('{"channel":"#advocates","text":"c@example.com gave 10","fields":[],"quote":"","context":""}');
    expect(dry.stdout).toContain('wave 2 (score 9): 1 member(s)\n  b@example.com  score 9');
    const none = await closeloop(['campaign', 'list'], { env });
    expect(none.stdout).toBe('0 campaign(s)\n');

    const created = await closeloop(['campaign', 'create', file], { env });
    expect([created.code, created.stderr]).toEqual([0, '']);
    const lines = created.stdout.split('\n');
    expect(lines[0]).toMatch(/^campaign \S+  featured-on-g2 → slack\.postMessage  created \S+; between waves: approval$/);
    expect(lines[1]).toMatch(/^wave\s+label\s+members\s+queued\s+sent\s+sandboxed\s+failed\s+skipped\s+cancelled\s+released$/);
    expect(lines[2]).toMatch(/^1\s+score 10\s+2\s+2\s+0\s+0\s+0\s+0\s+0\s+\S+ \(creation\)$/);
    expect(lines[3]).toMatch(/^2\s+score 9\s+1\s+0\s+0\s+0\s+0\s+0\s+0\s+—$/);
    expect(lines).toContain('next: wave 2 on approval (closeloop campaign approve featured-on-g2)');

    const again = await closeloop(['campaign', 'create', file], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^A campaign named featured-on-g2 exists \(\S+\); campaign names are unique/);

    const approved = await closeloop(['campaign', 'approve', 'featured-on-g2'], { env });
    expect([approved.code, approved.stderr]).toEqual([0, '']);
    expect(approved.stdout).toMatch(/^wave 2 released: 1 job\(s\) queued\n/);
    expect(approved.stdout).toContain('every wave released');

    const status = await closeloop(['campaign', 'status', 'featured-on-g2', '--members', '--json'], { env });
    const json = JSON.parse(status.stdout) as { totals: unknown; members: { respondent: string; wave: number; status: string; jobKey: string }[]; id: string };
    expect(json.totals).toEqual({ members: 3, skipped: 0, queued: 3, sent: 0, sandboxed: 0, failed: 0, cancelled: 0 });
    expect(json.members.map((m) => [m.wave, m.respondent, m.status])).toEqual([
      [1, 'c@example.com', 'queued'],
      [1, 'a@example.com', 'queued'],
      [2, 'b@example.com', 'queued'],
    ]);
    expect(json.members.every((m) => m.jobKey.startsWith(`campaign:${json.id}:`) && m.jobKey.endsWith(':slack.postMessage'))).toBe(true);
    const list = await closeloop(['campaign', 'list'], { env });
    expect(list.stdout).toMatch(/^\S+  featured-on-g2  slack\.postMessage  2\/2 waves released  3 members: 3 queued, 0 sent, 0 sandboxed, 0 failed, 0 skipped, 0 cancelled  every wave released\n1 campaign\(s\)\n$/);

    const bad = join(dirname(file), 'bad.yaml');
    writeFileSync(bad, FILE.replace('score: 9', 'score: nine').replace('category: promoter', 'category: fan'));
    const refused = await closeloop(['campaign', 'create', bad], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:8:13 filter.category:`);
    expect(refused.stderr).toContain(`${bad}:13:12 waves[1].score:`);
    const missing = await closeloop(['campaign', 'approve', 'nope'], { env });
    expect([missing.code, missing.stderr]).toEqual([1, 'No campaign nope\n  id: no such campaign\n']);
  });

  it('cancel stops the waves to come: queued jobs cancelled, status shows when, by and why; again changes nothing; approve is refused; a bad reason is named', { timeout: 180_000 }, async () => {
    const { env, file } = await storedAnswers([['a', 10], ['b', 9], ['c', 10]]);
    expect((await closeloop(['campaign', 'create', file], { env })).code).toBe(0);

    const tooLong = await closeloop(['campaign', 'cancel', 'featured-on-g2', '--reason', 'x'.repeat(501)], { env });
    expect([tooLong.code, tooLong.stderr]).toEqual([1, 'Invalid cancel:\n  --reason: must be at most 500 characters\n']);

    const cancelled = await closeloop(['campaign', 'cancel', 'featured-on-g2', '--reason', 'complaints after wave 1'], { env });
    expect([cancelled.code, cancelled.stderr]).toEqual([0, '']);
    const lines = cancelled.stdout.split('\n');
    expect(lines[0]).toBe('campaign featured-on-g2 cancelled: 2 queued job(s) cancelled, 0 already running (they finish), 0 already done; 1 wave(s) will not be released');
    expect(lines[2]).toMatch(/^cancelled \S+ by cli: complaints after wave 1$/);
    expect(lines[4]).toMatch(/^1\s+score 10\s+2\s+0\s+0\s+0\s+0\s+0\s+2\s+\S+ \(creation\)$/);
    expect(lines[5]).toMatch(/^2\s+score 9\s+1\s+0\s+0\s+0\s+0\s+0\s+0\s+never \(cancelled\)$/);
    expect(lines).toContain('next: none, cancelled: no wave will be released');

    const again = await closeloop(['campaign', 'cancel', 'featured-on-g2', '--json'], { env });
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout) as { alreadyCancelled: boolean; jobsCancelled: number; campaign: { cancelled: { by: string; reason: string }; totals: { cancelled: number } } };
    expect([json.alreadyCancelled, json.jobsCancelled, json.campaign.cancelled.by, json.campaign.cancelled.reason, json.campaign.totals.cancelled]).toEqual([true, 0, 'cli', 'complaints after wave 1', 2]);
    const text = await closeloop(['campaign', 'cancel', 'featured-on-g2'], { env });
    expect(text.stdout.split('\n')[0]).toMatch(/^campaign featured-on-g2 was already cancelled \(\S+, by cli\): nothing more cancelled$/);

    const approve = await closeloop(['campaign', 'approve', 'featured-on-g2'], { env });
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/^Campaign featured-on-g2 was cancelled at \S+; no wave is released after a cancel\n  id: campaign cancelled\n$/);
    const status = await closeloop(['campaign', 'status', 'featured-on-g2', '--members', '--json'], { env });
    expect((JSON.parse(status.stdout) as { members: { wave: number; status: string | null }[] }).members.map((m) => [m.wave, m.status])).toEqual([
      [1, 'cancelled'],
      [1, 'cancelled'],
      [2, null],
    ]);
    const list = await closeloop(['campaign', 'list'], { env });
    expect(list.stdout).toMatch(/  1\/2 waves released  3 members: 0 queued, 0 sent, 0 sandboxed, 0 failed, 0 skipped, 2 cancelled  next: none, cancelled: no wave will be released\n/);
    const missing = await closeloop(['campaign', 'cancel', 'nope'], { env });
    expect([missing.code, missing.stderr]).toEqual([1, 'No campaign nope\n  id: no such campaign\n']);
  });
});
