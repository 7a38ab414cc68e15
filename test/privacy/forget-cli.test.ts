import { closeloop } from '../support/cli.js';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';



// Each run starts a CLI process: seconds apiece on a busy machine.
describe('closeloop forget', { timeout: 180_000 }, () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('erases a respondent from CLOSELOOP_DB and says what it erased; --json prints the same as the API', async () => {
    hub = makeTestHub();
    expect((await postWebhook(hub, 'generic', { response_id: 'r-1', score: 3, comment: 'Too slow', email: 'ana@example.com', name: 'Ana Lima' })).status).toBe(202);
    await hub.loop.drain();
    const jobs = (await hub.store.listJobs({ limit: 50 })).length;
    const { attempts } = hub.store.db.prepare('SELECT COUNT(*) AS attempts FROM job_attempts').get() as { attempts: number };
    const env = { CLOSELOOP_DB: hub.config.CLOSELOOP_DB };

    const text = await closeloop(['forget', ' ANA@example.com '], { env: env });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        `forgot ana@example.com: 1 response(s), 0 earlier version(s), ${jobs} job(s) (0 cancelled before sending), ${attempts} attempt(s), 0 cached CRM lookup(s), 0 throttle mark(s)`,
        'downstream: nothing was sent to a vendor for them',
        '',
      ].join('\n'),
    );
    expect(await hub.store.listResponses({ limit: 10 })).toEqual([]);

    const json = await closeloop(['forget', 'ana@example.com', '--json'], { env: env });
    expect(JSON.parse(json.stdout)).toEqual({
      email: 'ana@example.com',
      erased: { responses: 0, versions: 0, jobs: 0, attempts: 0, cacheEntries: 0, throttleMarks: 0 },
      cancelledJobs: 0,
      inFlight: [],
      downstream: [],
    });
  });

  it('a bad email, or --retention without CLOSELOOP_RETENTION: exit 1 naming what is wrong', async () => {
    hub = makeTestHub();
    const env = { CLOSELOOP_DB: hub.config.CLOSELOOP_DB };
    const bad = await closeloop(['forget', 'not-an-email'], { env: env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Invalid email "not-an-email"\n  email: must be an email address\n');
    const unset = await closeloop(['forget', '--retention'], { env: env });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe('CLOSELOOP_RETENTION is not set (e.g. 400d): nothing is old enough to scrub\n  CLOSELOOP_RETENTION: is not set\n');
  });

  it('--retention scrubs what is older than CLOSELOOP_RETENTION, once', async () => {
    let clock = Date.now() - 500 * 86_400_000;
    hub = makeTestHub({ now: () => new Date(clock) });
    expect((await postWebhook(hub, 'generic', { response_id: 'old', score: 3, comment: 'Old words', email: 'ana@example.com' })).status).toBe(202);
    clock = Date.now();
    expect((await postWebhook(hub, 'generic', { response_id: 'new', score: 9, comment: 'New words', email: 'bob@example.com' })).status).toBe(202);
    await hub.loop.drain();
    const env = { CLOSELOOP_DB: hub.config.CLOSELOOP_DB, CLOSELOOP_RETENTION: '400d' };
    const first = await closeloop(['forget', '--retention', '--json'], { env: env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).scrubbed).toBe(1);
    const second = await closeloop(['forget', '--retention'], { env: env });
    expect(second.stdout).toMatch(/^retention: personal data removed from 0 response\(s\) received before \d{4}-\d\d-\d\dT/);
    expect((await hub.store.listResponses({ limit: 10 })).map((r) => [r.sourceResponseId, r.comment])).toEqual([
      ['new', 'New words'],
      ['old', null],
    ]);
  });
});
