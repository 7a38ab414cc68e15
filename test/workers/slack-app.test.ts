import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { env } from 'cloudflare:test';
import { D1Driver } from '../../src/runtime/workers/d1-driver.js';
import { ADMIN_TOKEN, emptyDatabase, recordingServer, testWorker, type SentRequest } from './support.js';

// The Slack app on the Worker: slack-edge verifies each request and runs the same handlers as
// Bolt on Node (the behaviours of test/slack-app/suite.ts, here inside workerd over D1); the calls
// after the ack outlive the answer through the request's execution context, and slow work (a
// ticket, a message update) goes through the jobs queue. Zendesk has no credentials here (its SDK
// cannot load in the test pool; test/deploy/dev-worker.test.ts runs it in wrangler's bundle), so
// an opened ticket is recorded in sandbox mode.
const SIGNING_SECRET = 'slack-signing-secret-for-workers';
const CHANNEL = 'C0NPS0001';
const SETTINGS = {
  CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN,
  CLOSELOOP_ALLOW_UNSIGNED: 'generic',
  CLOSELOOP_RATE_LIMITS: 'off',
  SLACK_BOT_TOKEN: 'xoxb-workers-123',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: 'https://slack.test/api/',
};
const DANA = { id: 'U0DANA001', username: 'dana', name: 'dana', team_id: 'T0ACME001' };
const LEE = { id: 'U0LEE0001', username: 'lee', name: 'lee', team_id: 'T0ACME001' };
const RECIPES = parseRecipes(
  [{ file: 'verbatims.yaml', text: `name: verbatims\nwhen: response.comment != null\nactions:\n  - id: post\n    action: slack.postMessage\n    params: { channel: "${CHANNEL}", text: "{{ response.score }}/10 from {{ response.respondent.email }}", quote: "{{ response.comment }}" }\n` }],
  new Set(actionRegistry().keys()),
);
const THEMES = themeTagger(loadThemeRules({ file: 'themes.yaml', text: 'themes:\n  pricing:\n    keywords: [price, expensive]\n  export:\n    keywords: [export]\n' }));

/** A tiny Slack: messages as posted (with the ts it gave them), people by id. */
let messages: { ts: string; text: string; blocks: Record<string, unknown>[]; threadTs?: string }[] = [];
const form = async (request: Request) => Object.fromEntries(new URLSearchParams(await request.text()));
const api = recordingServer(
  http.post('https://slack.test/api/chat.postMessage', async ({ request }) => {
    const body = await form(request);
    const ts = `1772445600.${String(messages.length + 1).padStart(6, '0')}`;
    messages.push({ ts, text: body.text!, blocks: JSON.parse(body.blocks ?? '[]'), threadTs: body.thread_ts });
    return HttpResponse.json({ ok: true, channel: CHANNEL, ts });
  }),
  http.post('https://slack.test/api/chat.update', async ({ request }) => {
    const body = await form(request);
    return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts, text: body.text });
  }),
  http.post('https://slack.test/api/chat.postEphemeral', () => HttpResponse.json({ ok: true, message_ts: '1772445700.000100' })),
  http.post('https://slack.test/api/views.open', () => HttpResponse.json({ ok: true, view: { id: 'V0THEME01' } })),
  http.post('https://slack.test/api/views.publish', () => HttpResponse.json({ ok: true, view: { id: 'V0HOME001' } })),
  http.post('https://slack.test/api/conversations.replies', () => HttpResponse.json({ ok: true, messages: [], has_more: false })),
  http.post('https://slack.test/api/conversations.list', () => HttpResponse.json({ ok: true, channels: [], response_metadata: { next_cursor: '' } })),
  http.post('https://slack.test/api/users.info', async ({ request }) => {
    const { user } = await form(request);
    const people: Record<string, string> = { [DANA.id]: 'Dana Scully', [LEE.id]: 'Lee Adama' };
    return HttpResponse.json({ ok: true, user: { id: user, name: user, real_name: people[user!], profile: { real_name: people[user!] } } });
  }),
);
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

/** Signed as Slack signs: `v0=` hex(HMAC-SHA256(`v0:<timestamp>:<body>`)), with Web Crypto. */
async function signed(body: string, contentType: string, options: { secret?: string; ageSeconds?: number } = {}): Promise<RequestInit> {
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret ?? SIGNING_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`v0:${timestamp}:${body}`)));
  const signature = `v0=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }, body };
}
const interactivity = (payload: unknown, options?: { secret?: string; ageSeconds?: number }) => signed(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded', options);

let worker: ReturnType<typeof testWorker>;
let actionSeq = 0;
beforeEach(async () => {
  // D1 is one database for the whole file: each case starts on an empty hub.
  await emptyDatabase(new D1Driver(env.DB));
  messages = [];
  actionSeq = 0;
  worker = testWorker(SETTINGS, { recipes: RECIPES, themes: THEMES });
});

/** A response whose verbatim the recipe posted; its message as Slack holds it. */
async function respond(score: number, comment = 'The export is too expensive', email = 'ana@example.com') {
  const res = await worker.postJson('generic', { response_id: `w-${score}-${messages.length}-${crypto.randomUUID()}`, score, comment, email });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  expect(await worker.drain()).toEqual([]);
  const message = messages.at(-1)!;
  await api.take();
  return { id, message };
}

/** A click on one of the message's buttons, as Slack sends it (block_actions). */
function click(message: (typeof messages)[number], actionId: string, user = DANA) {
  const button = (message.blocks.find((b) => b.type === 'actions')!.elements as { action_id: string; value: string }[]).find((e) => e.action_id === actionId)!;
  actionSeq++;
  return {
    type: 'block_actions',
    user,
    api_app_id: 'A0CLOSELOOP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: `1337.4242.${actionSeq}`,
    team: { id: 'T0ACME001', domain: 'acme' },
    channel: { id: CHANNEL, name: 'nps-feedback' },
    message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
    response_url: 'https://hooks.slack.com/actions/T0ACME001/1/abc',
    actions: [{ type: 'button', action_id: actionId, block_id: 'closeloop_actions', value: button.value, text: { type: 'plain_text', text: 'x' }, action_ts: `1772445900.${String(actionSeq).padStart(6, '0')}` }],
  };
}

/** One request to the Worker as Slack makes it; waits for the work after the ack and the jobs it queued. */
async function send(init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const answer = await worker.handlers.fetch(new Request('https://closeloop.test/slack/events', init), worker.env, ctx);
  await waitOnExecutionContext(ctx);
  await worker.drain();
  return answer;
}

const formOf = (r: SentRequest) => r.body as Record<string, string>;
const callsIn = (sent: SentRequest[], method: string) => sent.filter((r) => r.url.pathname === `/api/${method}`);
const statusOf = (update: SentRequest) => {
  const blocks = JSON.parse(formOf(update).blocks!) as { block_id?: string; elements?: { text: string }[] }[];
  return blocks.find((b) => b.block_id === 'closeloop_status')?.elements?.[0]?.text ?? '';
};
const detail = async (id: string) => (await (await worker.admin(`/api/responses/${id}`)).json()) as { slack: { assignment: { user: unknown } | null; actions: { kind: string; user: { id: string; name: string | null }; value: string | null }[] }; jobs: { key: string; action: string | null; status: string }[] };
const loopOf = async (id: string) => ((await (await worker.admin(`/api/responses/${id}/loop`)).json()) as { loop: { status: string; acknowledgedBy: string | null; closedBy: string | null } }).loop;

describe('the Slack app on the Worker (slack-edge, D1)', () => {
  it('refuses a bad signature and a stale timestamp (over 5 minutes) with 401, recording nothing', async () => {
    const { id, message } = await respond(7);
    expect((await send(await interactivity(click(message, 'closeloop_follow_up'), { secret: 'not-the-secret' }))).status).toBe(401);
    expect((await send(await interactivity(click(message, 'closeloop_follow_up'), { ageSeconds: 6 * 60 }))).status).toBe(401);
    expect(await api.take()).toEqual([]);
    expect((await detail(id)).slack.actions).toEqual([]);
  });

  it("\"I'll follow up\": assigns the response to the clicker, acknowledges its loop in D1, updates the message; the same click again is recorded once", async () => {
    const { id, message } = await respond(7);
    const payload = click(message, 'closeloop_follow_up');
    expect((await send(await interactivity(payload))).status).toBe(200);
    const sent = await api.take();
    expect(callsIn(sent, 'users.info').map((r) => formOf(r).user)).toEqual([DANA.id]);
    const [update, ...more] = callsIn(sent, 'chat.update');
    expect(more).toEqual([]);
    expect(formOf(update!)).toMatchObject({ channel: CHANNEL, ts: message.ts, text: message.text });
    expect(statusOf(update!)).toMatch(new RegExp(`^:raising_hand: <@${DANA.id}> follows up \\(since <!date\\^\\d+\\^`));
    expect((await detail(id)).slack.assignment?.user).toEqual({ id: DANA.id, name: 'Dana Scully' });
    expect(await loopOf(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dana Scully', closedBy: null });

    expect((await send(await interactivity(payload))).status).toBe(200);
    expect((await detail(id)).slack.actions).toHaveLength(1);
  });

  it('"Open ticket": one ticket job however many clicks (recorded in sandbox mode here), and the message says so', async () => {
    const { id, message } = await respond(8, 'Export is slow');
    const [first, second] = await Promise.all([send(await interactivity(click(message, 'closeloop_open_ticket'))), send(await interactivity(click(message, 'closeloop_open_ticket', LEE)))]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    await worker.drain();
    const tickets = (await detail(id)).jobs.filter((j) => j.action === 'zendesk.createTicket');
    expect(tickets).toEqual([expect.objectContaining({ key: `slack-app:${id}:ticket`, status: 'sandboxed' })]);
    const sent = await api.take();
    const statuses = callsIn(sent, 'chat.update').map(statusOf);
    expect(statuses).toContainEqual(expect.stringMatching(/^:ticket: Ticket recorded in sandbox mode \(Zendesk has no credentials\), asked by <@U0(DANA|LEE)\d+>$/));
  });

  it('"Loop closed": closes the loop by the clicker and replies in the thread; a later follow-up never moves it back', async () => {
    const { id, message } = await respond(3, 'Terrible export');
    expect((await send(await interactivity(click(message, 'closeloop_loop_closed')))).status).toBe(200);
    expect(await loopOf(id)).toMatchObject({ status: 'closed', closedBy: 'Dana Scully' });
    const reply = messages.find((m) => m.threadTs === message.ts)!;
    expect(reply.text).toMatch(/^Loop closed by Dana Scully after \d+ s$/);
    expect((await send(await interactivity(click(message, 'closeloop_follow_up', LEE)))).status).toBe(200);
    expect(await loopOf(id)).toMatchObject({ status: 'closed', closedBy: 'Dana Scully' });
    expect((await detail(id)).slack.actions.map((a) => [a.kind, a.user.id])).toEqual([
      ['loop_closed', DANA.id],
      ['follow_up', LEE.id],
    ]);
  });

  it('a click on a message whose response was erased answers politely, ephemerally, and stores nothing', async () => {
    const { id, message } = await respond(8);
    expect((await worker.admin('/api/respondents/ana%40example.com', { method: 'DELETE' })).status).toBe(200);
    await api.take();
    for (const button of ['closeloop_follow_up', 'closeloop_open_ticket', 'closeloop_loop_closed', 'closeloop_themes']) {
      expect((await send(await interactivity(click(message, button)))).status).toBe(200);
    }
    const sent = await api.take();
    const notes = callsIn(sent, 'chat.postEphemeral').map(formOf);
    expect(notes).toHaveLength(4);
    for (const note of notes) expect(note).toMatchObject({ channel: CHANNEL, user: DANA.id, text: expect.stringMatching(/^This response was erased/) });
    expect(callsIn(sent, 'chat.update')).toEqual([]);
    expect((await worker.admin(`/api/responses/${id}`)).status).toBe(404);
  });

  it('the theme picker opens a modal of the known themes; the submitted theme is recorded', async () => {
    const { id, message } = await respond(8);
    expect((await send(await interactivity(click(message, 'closeloop_themes')))).status).toBe(200);
    const [open] = callsIn(await api.take(), 'views.open');
    const view = JSON.parse(formOf(open!).view!) as { callback_id: string; private_metadata: string; blocks: { element: { options: { value: string }[] } }[] };
    expect(view.callback_id).toBe('closeloop_theme');
    expect(view.blocks[0]!.element.options.map((o) => o.value)).toEqual(['pricing', 'export']);
    const submit = (value: string) =>
      interactivity({
        type: 'view_submission',
        team: { id: 'T0ACME001', domain: 'acme' },
        user: DANA,
        api_app_id: 'A0CLOSELOOP',
        trigger_id: '1337.9.9',
        view: { id: 'V0THEME01', type: 'modal', callback_id: 'closeloop_theme', private_metadata: view.private_metadata, team_id: 'T0ACME001', state: { values: { theme: { theme: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } } } } } },
      });
    expect(await (await send(await submit('Onboarding'))).json()).toEqual({ response_action: 'errors', errors: { theme: 'Pick one of the themes listed.' } });
    expect(await (await send(await submit('pricing'))).json()).toEqual({ response_action: 'clear' });
    expect((await detail(id)).slack.actions).toEqual([expect.objectContaining({ kind: 'theme', value: 'pricing', user: { id: DANA.id, name: 'Dana Scully' } })]);
  });

  it('/nps answers NPS with its margin and the top themes, ephemerally unless public', async () => {
    for (const [i, score] of [10, 9, 9, 3, 8].entries()) await respond(score, i % 2 ? 'Too expensive' : 'Love the export', `p${i}@example.com`);
    const command = (text: string) =>
      signed(new URLSearchParams({ token: 'legacy', team_id: 'T0ACME001', channel_id: CHANNEL, user_id: DANA.id, user_name: 'dana', command: '/nps', text, response_url: 'https://hooks.slack.com/commands/1', trigger_id: '1.2.3' }).toString(), 'application/x-www-form-urlencoded');
    const answer = (await (await send(await command('30d'))).json()) as { response_type: string; text: string };
    expect(answer.response_type).toBe('ephemeral');
    const lines = answer.text.split('\n');
    expect(lines[0]).toMatch(/^\*NPS last 30d: \+40\* ±\d+(\.\d)? \(95% margin\), 5 responses \(small sample: read with care\)$/);
    expect(lines[1]).toBe('Promoters 60% · Passives 20% · Detractors 20%');
    expect(lines[3]).toBe('Top themes: export (3), pricing (2)');
    expect(((await (await send(await command('public 30d'))).json()) as { response_type: string }).response_type).toBe('in_channel');
  });

  it("App Home shows the user's assigned responses and the open loops (views.publish)", async () => {
    const mine = await respond(6, 'Export broke');
    await respond(9, 'Great');
    expect((await send(await interactivity(click(mine.message, 'closeloop_follow_up')))).status).toBe(200);
    await api.take();
    const event = JSON.stringify({
      token: 'legacy',
      team_id: 'T0ACME001',
      api_app_id: 'A0CLOSELOOP',
      type: 'event_callback',
      event_id: 'Ev0HOME01',
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T0ACME001', user_id: 'U0BOT0001', is_bot: true }],
      event: { type: 'app_home_opened', user: DANA.id, channel: 'D0HOME001', tab: 'home', event_ts: '1772446000.000100' },
    });
    expect((await send(await signed(event, 'application/json'))).status).toBe(200);
    const [publish, ...more] = callsIn(await api.take(), 'views.publish');
    expect(more).toEqual([]);
    expect(formOf(publish!).user_id).toBe(DANA.id);
    const view = JSON.parse(formOf(publish!).view!) as { type: string; blocks: { text?: { text: string } }[] };
    expect(view.type).toBe('home');
    const texts = view.blocks.map((b) => b.text?.text ?? '');
    expect(texts[0]).toBe('Yours to follow up');
    expect(texts[1]).toMatch(new RegExp(`^\\*6/10 detractor\\* · loop acknowledged · yours since <!date.*\\n>Export broke\\n\`${mine.id}\`$`));
  });

  it("answers Slack's URL verification only when signed, and fails closed without its secret (401) or bot token (503)", async () => {
    const body = JSON.stringify({ token: 'legacy', challenge: 'c-123', type: 'url_verification' });
    const res = await send(await signed(body, 'application/json'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('c-123');
    expect((await send(await signed(body, 'application/json', { secret: 'wrong' }))).status).toBe(401);

    const { SLACK_SIGNING_SECRET: _secret, ...withoutSecret } = SETTINGS;
    worker = testWorker(withoutSecret, { recipes: RECIPES });
    const refused = await send(await signed(body, 'application/json'));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field).toBe('SLACK_SIGNING_SECRET');
    const { SLACK_BOT_TOKEN: _token, ...withoutToken } = SETTINGS;
    worker = testWorker(withoutToken, { recipes: RECIPES });
    expect((await send(await signed(body, 'application/json'))).status).toBe(503);
  });
});
