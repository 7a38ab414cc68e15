import { delay, http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { actionHub, T0 } from './action-hub.js';
import { SPECS } from '../support/shared.js';

const API = 'https://slack-proxy.test/api';
const ENV = { SLACK_BOT_TOKEN: 'xoxb-test-123', SLACK_API_URL: `${API}/` };
/**
 * Slack's published description predates message metadata (2022), and documents read methods as
 * GET although the Web API (and its SDK) call every method with a form POST.
 */
const spec = loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, {
  postForGet: true,
  headersFromSecurity: ['token'],
  undocumentedParameters: ['metadata', 'include_all_metadata'],
});

/** A tiny workspace: one public channel, its messages with their metadata. */
interface Message {
  ts: string;
  text: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}
let messages: Message[] = [];
let tsSeq = 0;
const form = async (request: Request) => Object.fromEntries(new URLSearchParams(await request.text()));
const slackError = (error: string, extra: Record<string, unknown> = {}) => HttpResponse.json({ ok: false, error, ...extra });

const postMessage = http.post(`${API}/chat.postMessage`, async ({ request }) => {
  const body = await form(request);
  const message: Message = { ts: `1772445600.${String(++tsSeq).padStart(6, '0')}`, text: body.text!, ...(body.metadata ? { metadata: JSON.parse(body.metadata) } : {}) };
  messages.push(message);
  return HttpResponse.json({ ok: true, channel: 'C0NPS0001', ts: message.ts, message: { text: message.text } });
});
const conversationsList = http.post(`${API}/conversations.list`, () =>
  HttpResponse.json({ ok: true, channels: [{ id: 'C0GENERAL', name: 'general' }, { id: 'C0NPS0001', name: 'nps-feedback' }], response_metadata: { next_cursor: '' } }),
);
const conversationsHistory = http.post(`${API}/conversations.history`, async ({ request }) => {
  const body = await form(request);
  const withMeta = body.include_all_metadata === 'true';
  return HttpResponse.json({
    ok: true,
    messages: [...messages].reverse().map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) })),
    has_more: false,
    response_metadata: { next_cursor: '' },
  });
});

const conversationsReplies = http.post(`${API}/conversations.replies`, async ({ request }) => {
  const body = await form(request);
  const withMeta = body.include_all_metadata === 'true';
  return HttpResponse.json({
    ok: true,
    messages: messages.map((m) => ({ type: 'message', ts: m.ts, thread_ts: body.ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) })),
    has_more: false,
    response_metadata: { next_cursor: '' },
  });
});

const api = recordingServer(postMessage, conversationsList, conversationsHistory, conversationsReplies);
beforeAll(() => api.listen());
afterEach(() => {
  api.reset();
  messages = [];
  tsSeq = 0;
});
afterAll(() => api.close());

const PARAMS = {
  channel: '#nps-feedback',
  text: '{{ response.score }}/10 from {{ response.respondent.name }}',
  fields: [
    { label: 'Score', value: '{{ response.score }}' },
    { label: 'Account', value: '{{ response.respondent.email }}' },
    { label: 'Empty', value: '' },
  ],
  quote: '{{ response.comment }}',
  context: 'via {{ response.source }}',
};

let hub: ReturnType<typeof actionHub>;
afterEach(async () => hub?.cleanup());
const slackHub = (log?: Logger) => (hub = actionHub({ action: 'slack.postMessage', params: PARAMS, env: ENV, log }));
/** A logger that keeps the warnings (the rest is dropped). */
function warnings() {
  const lines: { obj: object; msg?: string }[] = [];
  const log: Logger = { ...silentLogger, warn: (obj, msg) => lines.push({ obj, msg }), child: () => log };
  return { log, lines };
}
const methods = () => api.requests.map((r) => r.url.pathname.replace('/api/', ''));
function expectSlackRequests(requests: RecordedRequest[]) {
  for (const r of requests) {
    expect(r.headers.get('authorization')).toBe('Bearer xoxb-test-123');
    expect(r.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expectRequestMatchesSpec(spec, r);
  }
}

describe('slack.postMessage through @slack/web-api', () => {
  it('posts the Block Kit message with the job key as metadata, and stores ts and channel', async () => {
    slackHub();
    const job = await hub.respond({ score: 3, comment: 'Too slow', name: 'Ana Lima' });
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '1772445600.000001', channel: 'C0NPS0001', ts: '1772445600.000001' });
    expect(methods()).toEqual(['chat.postMessage']);
    const body = api.requests[0]!.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['blocks', 'channel', 'metadata', 'text', 'unfurl_links', 'unfurl_media']);
    expect(body.channel).toBe('#nps-feedback');
    expect(body.text).toBe('3/10 from Ana Lima');
    expect(body.unfurl_links).toBe('false');
    expect(body.unfurl_media).toBe('false');
    expect(JSON.parse(body.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: job.key } });
    expect(JSON.parse(body.blocks!)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: '3/10 from Ana Lima' } },
      { type: 'section', fields: [{ type: 'plain_text', text: 'Score\n3' }, { type: 'plain_text', text: 'Account\nana@example.com' }] },
      { type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: 'Too slow' }] }] },
      { type: 'context', elements: [{ type: 'plain_text', text: 'via generic' }] },
      // The Slack app's buttons (docs/slack-app.md), each carrying the response id.
      {
        type: 'actions',
        block_id: 'closeloop_actions',
        elements: [
          { type: 'button', action_id: 'closeloop_open_ticket', text: { type: 'plain_text', text: 'Open ticket' }, value: job.responseId },
          { type: 'button', action_id: 'closeloop_follow_up', text: { type: 'plain_text', text: "I'll follow up" }, value: job.responseId, style: 'primary' },
          { type: 'button', action_id: 'closeloop_loop_closed', text: { type: 'plain_text', text: 'Loop closed' }, value: job.responseId },
          { type: 'button', action_id: 'closeloop_themes', text: { type: 'plain_text', text: 'Theme…' }, value: job.responseId },
        ],
      },
    ]);
    expectSlackRequests(api.requests);
  });

  it('a hostile verbatim and name cannot ping, link, or format: user text is only plain_text, rich_text or escaped', async () => {
    slackHub();
    const hostile = '<!channel> <!here> @here @channel <@U0ADMIN> <#C0SECRET> <https://evil.example|your invoice> *bold* _it_ ~x~ `code` ```fence``` > quote &amp; &lt;';
    const name = '<!everyone> *Boss* <https://evil.example|Ana>';
    const job = await hub.respond({ comment: hostile, name });
    expect(job.status).toBe('succeeded');
    const body = api.requests[0]!.body as Record<string, string>;
    // The notification text is mrkdwn: the control characters are escaped, so no <!…>, <@…> or <url|…> survives.
    expect(body.text).toBe('3/10 from &lt;!everyone&gt; *Boss* &lt;https://evil.example|Ana&gt;');
    expect(body.text).not.toMatch(/[<>]/);
    expect(body.link_names).toBeUndefined();
    expect(body.parse).toBeUndefined();
    const blocks = JSON.parse(body.blocks!) as { type: string; text?: { type: string; text: string }; fields?: { type: string }[]; elements?: any[] }[];
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'plain_text', text: `3/10 from ${name}` } });
    expect(blocks[2]).toEqual({ type: 'rich_text', elements: [{ type: 'rich_text_quote', elements: [{ type: 'text', text: hostile }] }] });
    // No block element anywhere is mrkdwn: nothing Slack would parse for mentions, links or formatting.
    expect(body.blocks).not.toContain('"mrkdwn"');
    expectSlackRequests(api.requests);
  });

  it('invalid_auth: dead at once, naming SLACK_BOT_TOKEN', async () => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => slackError('invalid_auth')));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe('Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN and its scopes (chat:write)');
    expect((await hub.attempts(job)).map((a) => [a.outcome, a.remoteStatus])).toEqual([['dead', 401]]);
  });

  it('missing_scope: dead, naming the scope Slack says is needed', async () => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => slackError('missing_scope', { needed: 'chat:write', provided: 'channels:read' })));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe('Slack refused the token (missing_scope): check SLACK_BOT_TOKEN: it lacks the scope chat:write');
  });

  it.each([
    ['channel_not_found', 'Slack answered channel_not_found: invite the app to the channel (/invite @your-app) or fix the channel name'],
    ['invalid_blocks', 'Slack answered invalid_blocks'],
  ])('%s: dead at once', async (code, reason) => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => slackError(code)));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect(job.lastError).toBe(reason);
  });

  it('HTTP 404 (wrong SLACK_API_URL): dead at once', async () => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => new HttpResponse('Not Found', { status: 404 })));
    const job = await hub.respond();
    expect(job.status).toBe('dead');
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(404);
  });

  it('429 with Retry-After: retried no sooner than asked; the SDK neither waited nor retried', async () => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '30' } }), { once: true }));
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Slack rate limit: retry after 30s');
    expect(job.runAt).toBe(new Date(T0.getTime() + 30_000).toISOString());
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(429);
    expect(methods()).toEqual(['chat.postMessage']);

    job = await hub.later(30_000, job);
    expect(job.status).toBe('succeeded');
    // The retry looked for an earlier post first (none: the 429 posted nothing), then posted once.
    expect(methods()).toEqual(['chat.postMessage', 'conversations.list', 'conversations.history', 'chat.postMessage']);
    expect(messages).toHaveLength(1);
    expectSlackRequests(api.requests);
  });

  it.each([500, 503])('HTTP %i: retryable', async (status) => {
    slackHub();
    api.server.use(http.post(`${API}/chat.postMessage`, () => new HttpResponse('upstream error', { status })));
    const job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe(`Slack answered HTTP ${status}`);
    expect((await hub.attempts(job))[0]!.remoteStatus).toBe(status);
  });

  it('effect-once: a post that timed out after Slack accepted it is found in history on retry, not posted twice', async () => {
    slackHub();
    api.server.use(
      http.post(
        `${API}/chat.postMessage`,
        async ({ request }) => {
          const body = await form(request);
          messages.push({ ts: '1772445600.000042', text: body.text!, metadata: JSON.parse(body.metadata!) });
          await delay(2_000);
          return HttpResponse.json({ ok: true });
        },
        { once: true },
      ),
    );
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Slack did not answer in time');

    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '1772445600.000042', channel: 'C0NPS0001', ts: '1772445600.000042', existing: true });
    expect(messages).toHaveLength(1);
    expect(methods()).toEqual(['chat.postMessage', 'conversations.list', 'conversations.history']);
    const [, list, history] = api.requests as [RecordedRequest, RecordedRequest, RecordedRequest];
    expect(list.body).toEqual({ types: 'public_channel,private_channel', exclude_archived: 'true', limit: '1000' });
    // Only the span of the attempt that timed out is read: from 5 s before it started to 5 s after it gave up.
    expect(history.body).toEqual({
      channel: 'C0NPS0001',
      oldest: (T0.getTime() / 1000 - 5).toFixed(6),
      latest: (T0.getTime() / 1000 + 5).toFixed(6),
      inclusive: 'true',
      include_all_metadata: 'true',
      limit: '200',
    });
    expectSlackRequests(api.requests);
  });

  it('without the history scope a retry still delivers (the lookup is skipped, a duplicate is possible)', async () => {
    const warned = warnings();
    slackHub(warned.log);
    api.server.use(
      http.post(`${API}/chat.postMessage`, () => new HttpResponse('bad gateway', { status: 502 }), { once: true }),
      http.post(`${API}/conversations.history`, () => slackError('missing_scope', { needed: 'channels:history' })),
    );
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(methods()).toEqual(['chat.postMessage', 'conversations.list', 'conversations.history', 'chat.postMessage']);
    expect(messages).toHaveLength(1);
    // The operator is told why a duplicate may appear, and which scope would prevent it.
    expect(warned.lines).toEqual([
      { obj: expect.objectContaining({ error: 'Slack answered HTTP 502' }), msg: 'job attempt failed, will retry' },
      {
        obj: { err: 'An API error occurred: missing_scope', slackError: 'missing_scope', needed: 'channels:history' },
        msg: 'could not read slack history to look for an earlier post; posting (a duplicate is possible)',
      },
    ]);
  });
});

describe('slack.replyInThread: the look-up for an earlier reply', () => {
  const THREAD = { channel: 'C0NPS0001', threadTs: '1772445600.000001' };
  const replyHub = (log?: Logger) => (hub = actionHub({ action: 'slack.replyInThread', params: { ...THREAD, text: 'Ana answered again', quote: '{{ response.comment }}' }, env: ENV, log }));
  /** The first attempt: Slack takes the reply, and the answer is lost (timeout). */
  const replyThenTimeOut = (eventType = 'closeloop_job') =>
    http.post(
      `${API}/chat.postMessage`,
      async ({ request }) => {
        const body = await form(request);
        messages.push({ ts: '1772445600.000042', text: body.text!, metadata: { ...JSON.parse(body.metadata!), event_type: eventType } });
        await delay(2_000);
        return HttpResponse.json({ ok: true });
      },
      { once: true },
    );

  it('a reply whose answer was lost is found in the thread on retry, not posted twice', async () => {
    replyHub();
    api.server.use(replyThenTimeOut());
    let job = await hub.respond();
    expect(job.status).toBe('queued');
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ remoteId: '1772445600.000042', channel: 'C0NPS0001', ts: '1772445600.000042', threadTs: THREAD.threadTs, existing: true });
    expect(methods()).toEqual(['chat.postMessage', 'conversations.replies']);
    expect(api.requests[1]!.body).toEqual({ channel: 'C0NPS0001', ts: THREAD.threadTs, include_all_metadata: 'true', limit: '200' });
    expect(messages).toHaveLength(1);
  });

  it("the job's key under another app's event type is not this job's reply: the retry posts", async () => {
    replyHub();
    api.server.use(replyThenTimeOut('someone_elses_event'));
    let job = await hub.respond();
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ existing: false, threadTs: THREAD.threadTs });
    expect(methods()).toEqual(['chat.postMessage', 'conversations.replies', 'chat.postMessage']);
    const reply = api.requests[2]!.body as Record<string, string>;
    expect(reply).toMatchObject({ channel: 'C0NPS0001', thread_ts: THREAD.threadTs });
    expect(JSON.parse(reply.metadata!)).toEqual({ event_type: 'closeloop_job', event_payload: { key: job.key } });
  });

  it('a passing failure reading the thread fails the attempt instead of posting; the next attempt looks again', async () => {
    replyHub();
    api.server.use(replyThenTimeOut(), http.post(`${API}/conversations.replies`, () => new HttpResponse('unavailable', { status: 503 }), { once: true }));
    let job = await hub.respond();
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('queued');
    expect(job.lastError).toBe('Slack answered HTTP 503');
    expect(methods()).toEqual(['chat.postMessage', 'conversations.replies']);
    job = await hub.later(60 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ ts: '1772445600.000042', existing: true });
    expect(methods()).toEqual(['chat.postMessage', 'conversations.replies', 'conversations.replies']);
    expect(messages).toHaveLength(1);
  });

  it('without the history scope the retry posts (the look-up is skipped, a duplicate is possible)', async () => {
    const warned = warnings();
    replyHub(warned.log);
    api.server.use(replyThenTimeOut(), http.post(`${API}/conversations.replies`, () => slackError('missing_scope', { needed: 'channels:history' })));
    let job = await hub.respond();
    job = await hub.later(15 * 60_000, job);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ existing: false });
    expect(methods()).toEqual(['chat.postMessage', 'conversations.replies', 'chat.postMessage']);
    expect(messages).toHaveLength(2);
    expect(warned.lines).toEqual([
      { obj: expect.objectContaining({ error: 'Slack did not answer in time' }), msg: 'job attempt failed, will retry' },
      {
        obj: { err: 'An API error occurred: missing_scope', slackError: 'missing_scope', needed: 'channels:history' },
        msg: 'could not read the slack thread to look for an earlier reply; posting (a duplicate is possible)',
      },
    ]);
  });
});
