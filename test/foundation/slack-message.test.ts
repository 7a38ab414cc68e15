import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer } from '../support/http-recorder.js';
import { makeTestHub, postWebhook } from '../support/hub.js';
import { slackAppButtons as buttons } from '../support/slack-app-buttons.js';

const slackApi = recordingServer(
  http.post('http://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, ts: '1700000000.000100', channel: 'C1' })),
);

describe('a detractor posted to Slack through @slack/web-api (SLACK_API_URL honoured)', () => {
  let hub: ReturnType<typeof makeTestHub>;
  beforeAll(() => slackApi.listen());
  afterEach(async () => {
    await hub?.cleanup();
    slackApi.reset();
  });
  afterAll(() => slackApi.close());

  it('sends the exact Block Kit message, escaped, with the verbatim quoted raw and the job key as metadata', async () => {
    hub = makeTestHub({ env: { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: 'http://slack.test/api/' } });
    const comment = 'Broke again <!channel> & <https://evil.test|click> "really"';
    const res = await postWebhook(hub, 'generic', { response_id: 'r-slack', score: 2, comment, email: 'ana@example.com', name: 'Ana <!channel>', survey_id: 's-9' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    await hub.loop.drain();

    expect(slackApi.requests.length).toBe(2);
    for (const r of slackApi.requests) {
      expect(r.method).toBe('POST');
      expect(r.url.href).toBe('http://slack.test/api/chat.postMessage');
      expect(r.headers.get('authorization')).toBe('Bearer xoxb-test-token');
      // @slack/web-api sends a form; objects (blocks, metadata) travel as JSON strings.
      expect(r.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    }
    const byChannel = Object.fromEntries(slackApi.requests.map((r) => [(r.body as Record<string, string>).channel, r.body as Record<string, string>]));
    expect(Object.keys(byChannel).sort()).toEqual(['#cx-alerts', '#nps-feedback']);

    const alert = byChannel['#cx-alerts']!;
    expect(Object.keys(alert).sort()).toEqual(['blocks', 'channel', 'metadata', 'text', 'unfurl_links', 'unfurl_media']);
    expect(alert.text).toBe('Detractor: 2/10 from ana@example.com — ticket opened');
    expect(alert.unfurl_links).toBe('false');
    expect(alert.unfurl_media).toBe('false');
    expect(JSON.parse(alert.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: 'Detractor: 2/10 from ana@example.com — ticket opened' } },
      {
        type: 'section',
        fields: [
          { type: 'plain_text', text: 'Account\n—' },
          { type: 'plain_text', text: 'Plan\n—' },
          { type: 'plain_text', text: 'ARR\n—' },
          { type: 'plain_text', text: 'Owner\n—' },
        ],
      },
      { type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: comment }] }] },
      buttons(id),
    ]);
    expect(JSON.parse(alert.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: `${id}:detractor-ticket:alert` } });

    const verbatim = byChannel['#nps-feedback']!;
    expect(Object.keys(verbatim).sort()).toEqual(['blocks', 'channel', 'metadata', 'text', 'unfurl_links', 'unfurl_media']);
    // The respondent's name cannot ping the channel: the notification text (mrkdwn) is escaped,
    // the blocks are plain_text, which Slack shows literally.
    expect(verbatim.text).toBe('2/10 (detractor) from Ana &lt;!channel&gt;');
    expect(JSON.parse(verbatim.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: '2/10 (detractor) from Ana <!channel>' } },
      {
        type: 'section',
        fields: [
          { type: 'plain_text', text: 'Score\n2 · detractor' },
          { type: 'plain_text', text: 'Account\n—' },
          { type: 'plain_text', text: 'Plan\n—' },
          { type: 'plain_text', text: 'Owner\n—' },
        ],
      },
      // The verbatim is a rich_text quote: shown literally, so it is sent unescaped.
      { type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: comment }] }] },
      { type: 'context', elements: [{ type: 'plain_text', text: 'via generic · survey s-9' }] },
      buttons(id),
    ]);
    expect(JSON.parse(verbatim.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: `${id}:verbatims-to-slack:verbatim` } });

    const jobs = await hub.store.listJobs({ responseId: id, limit: 10 });
    const slackJobs = jobs.filter((j) => j.action === 'slack.postMessage');
    expect(slackJobs.map((j) => [j.key, j.status, j.attempts, j.lastError])).toEqual(
      expect.arrayContaining([
        [`${id}:detractor-ticket:alert`, 'succeeded', 1, null],
        [`${id}:verbatims-to-slack:verbatim`, 'succeeded', 1, null],
      ]),
    );
    for (const j of slackJobs) expect(j.result).toEqual({ remoteId: '1700000000.000100', channel: 'C1', ts: '1700000000.000100' });
    // Zendesk has no credentials here: sandboxed, nothing sent.
    expect(jobs.find((j) => j.action === 'zendesk.createTicket')!.status).toBe('sandboxed');
    const attempts = await hub.store.listAttempts(slackJobs[0]!.id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([[1, 'succeeded', null]]);

    // Draining again sends nothing more.
    await hub.loop.drain();
    expect(slackApi.requests.length).toBe(2);
  });

  it('the token never reaches the stored jobs', async () => {
    hub = makeTestHub({ env: { SLACK_BOT_TOKEN: 'xoxb-secret-token-value', SLACK_API_URL: 'http://slack.test/api/' } });
    await postWebhook(hub, 'generic', { response_id: 'r-2', score: 1, comment: 'x', email: 'b@example.com' });
    await hub.loop.drain();
    expect(slackApi.requests.length).toBe(2);
    const dump = JSON.stringify(await hub.store.listJobs({ limit: 100 }));
    expect(dump).not.toContain('xoxb-secret-token-value');
  });
});
