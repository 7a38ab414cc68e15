import { createHmac } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import type { Logger } from '../../src/core/logger.js';
import type { SlackEndpoint, SlackEndpointOptions } from '../../src/slack-app/endpoint.js';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { recordingServer, type RecordedRequest } from '../support/http-recorder.js';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { SPECS } from '../support/shared.js';

/**
 * The Slack app's behaviour, the same cases for each framework adapter (Bolt, slack-edge): signed
 * payloads as Slack sends them go to `POST /slack/events`; the Web API calls that leave (msw,
 * checked against Slack's and Zendesk's OpenAPI descriptions) and the stored state are asserted.
 */
const SLACK_API = 'https://slack-proxy.test/api';
const ZENDESK = 'https://acme-zendesk.test';
const SECRET = 'slack-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-slack-app-test';
const ADMIN = 'admin-token-for-slack-app-tests-0123';
const CHANNEL = 'C0NPS0001';
const DANA = { id: 'U0DANA001', username: 'dana', name: 'dana', team_id: 'T0ACME001' };
const LEE = { id: 'U0LEE0001', username: 'lee', name: 'lee', team_id: 'T0ACME001' };

/** As in test/connectors/slack.test.ts; and Bolt's client adds the workspace's `team_id` to every call (for org-wide apps), which the description predates. */
const slackSpec = loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'], undocumentedParameters: ['metadata', 'include_all_metadata', 'team_id'] });
const zendeskSpec = loadSpec(`${SPECS}/zendesk/support-oas.yaml`, { pathSuffix: '.json' });

const RECIPES = `
name: verbatims
when: response.comment != null
actions:
  - id: post
    action: slack.postMessage
    params: { channel: "${CHANNEL}", text: "{{ response.score }}/10 from {{ response.respondent.email }}", quote: "{{ response.comment }}" }
`;
const THEMES = `themes:
  pricing:
    keywords: [price, expensive]
  export:
    keywords: [export]
`;

/** A tiny Slack and Zendesk. */
let messages: { ts: string; channel: string; text: string; blocks: Record<string, unknown>[]; threadTs?: string }[] = [];
let tickets: { id: number; external_id: string }[] = [];
const form = async (request: Request) => Object.fromEntries(new URLSearchParams(await request.text()));
const handlers = [
  http.post(`${SLACK_API}/chat.postMessage`, async ({ request }) => {
    const body = await form(request);
    const ts = `1772445600.${String(messages.length + 1).padStart(6, '0')}`;
    messages.push({ ts, channel: CHANNEL, text: body.text!, blocks: JSON.parse(body.blocks ?? '[]'), threadTs: body.thread_ts });
    return HttpResponse.json({ ok: true, channel: CHANNEL, ts });
  }),
  http.post(`${SLACK_API}/chat.update`, async ({ request }) => {
    const body = await form(request);
    return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts, text: body.text });
  }),
  http.post(`${SLACK_API}/chat.postEphemeral`, () => HttpResponse.json({ ok: true, message_ts: '1772445700.000100' })),
  http.post(`${SLACK_API}/views.open`, () => HttpResponse.json({ ok: true, view: { id: 'V0THEME01' } })),
  http.post(`${SLACK_API}/views.publish`, () => HttpResponse.json({ ok: true, view: { id: 'V0HOME001' } })),
  http.post(`${SLACK_API}/users.info`, async ({ request }) => {
    const { user } = await form(request);
    const people: Record<string, string> = { [DANA.id]: 'Dana Scully', [LEE.id]: 'Lee Adama' };
    if (!people[user!]) return HttpResponse.json({ ok: false, error: 'user_not_found' });
    return HttpResponse.json({ ok: true, user: { id: user, name: user === DANA.id ? 'dana' : 'lee', real_name: people[user!], profile: { real_name: people[user!], display_name: people[user!]!.split(' ')[0] } } });
  }),
  http.post(`${SLACK_API}/conversations.replies`, () => HttpResponse.json({ ok: true, messages: [], has_more: false })),
  http.get(`${ZENDESK}/api/v2/tickets.json`, ({ request }) => {
    const externalId = new URL(request.url).searchParams.get('external_id');
    return HttpResponse.json({ tickets: tickets.filter((t) => t.external_id === externalId), meta: { has_more: false }, links: { next: null, prev: null } });
  }),
  http.post(`${ZENDESK}/api/v2/tickets.json`, async ({ request }) => {
    const { ticket } = (await request.json()) as { ticket: { external_id: string } };
    const created = { id: 4242 + tickets.length, external_id: ticket.external_id };
    tickets.push(created);
    return HttpResponse.json({ ticket: created }, { status: 201 });
  }),
];

/** Sign as Slack does: `v0=` hex(HMAC-SHA256(`v0:<timestamp>:<body>`)). */
function signed(body: string, contentType: string, options: { secret?: string; ageSeconds?: number } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  const signature = `v0=${createHmac('sha256', options.secret ?? SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }, body };
}
const interactivity = (payload: unknown, options?: Parameters<typeof signed>[2]) =>
  signed(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded', options);

export function describeSlackApp(framework: SlackEndpoint['framework'], endpoint: (options: SlackEndpointOptions) => SlackEndpoint) {
  const api = recordingServer(...handlers);
  let hub: ReturnType<typeof makeTestHub>;
  let actionSeq = 0;

  beforeAll(() => api.listen());
  afterAll(() => api.close());
  beforeEach(() => {
    messages = [];
    tickets = [];
    actionSeq = 0;
    hub = makeHub();
  });
  afterEach(async () => {
    await hub?.cleanup();
    api.reset();
  });

  function makeHub(env: Record<string, string | undefined> = {}, log?: Logger) {
    const recipes = parseRecipes([{ file: 'verbatims.yaml', text: RECIPES }], new Set(actionRegistry().keys()));
    return makeTestHub({
      env: {
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${SLACK_API}/`,
        ZENDESK_EMAIL: 'agent@example.com',
        ZENDESK_API_TOKEN: 'zd-token',
        ZENDESK_SUBDOMAIN: 'acme',
        ZENDESK_BASE_URL: ZENDESK,
        CLOSELOOP_ADMIN_TOKEN: ADMIN,
        ...env,
      },
      recipes,
      themes: themeTagger(loadThemeRules({ file: 'themes.yaml', text: THEMES })),
      slackEndpoint: endpoint,
      retry: { baseMs: 1, capMs: 5 },
      ...(log ? { log } : {}),
    });
  }

  /** A response whose verbatim the recipe posted; its message as Slack holds it. */
  async function respond(score: number, comment = 'The export is too expensive', email = 'ana@example.com') {
    const res = await postWebhook(hub, 'generic', { response_id: `r-${score}-${messages.length}`, score, comment, email });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    const message = messages.at(-1)!;
    api.requests.length = 0;
    return { id, message };
  }

  /** A click on one of the message's buttons, as Slack sends it (block_actions). */
  function click(message: (typeof messages)[number], actionId: string, user = DANA, actionTs = `1772445900.${String(++actionSeq).padStart(6, '0')}`) {
    const button = (message.blocks.find((b) => b.type === 'actions')!.elements as { action_id: string; value: string }[]).find((e) => e.action_id === actionId)!;
    return {
      type: 'block_actions',
      user,
      api_app_id: 'A0CLOSELOOP',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      trigger_id: `1337.4242.${actionSeq}`,
      team: { id: 'T0ACME001', domain: 'acme' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: CHANNEL, name: 'nps-feedback' },
      message: { type: 'message', subtype: 'bot_message', ts: message.ts, text: message.text, blocks: message.blocks, bot_id: 'B0CLOSELOOP' },
      state: { values: {} },
      response_url: 'https://hooks.slack.com/actions/T0ACME001/1/abc',
      actions: [{ type: 'button', action_id: actionId, block_id: 'closeloop_actions', value: button.value, text: { type: 'plain_text', text: 'x' }, action_ts: actionTs }],
    };
  }

  async function send(init: RequestInit) {
    const res = await hub.app.request('/slack/events', init);
    await hub.slackApp?.idle();
    await settle();
    return res;
  }
  /** Run jobs until none is queued (a message update waits, retrying, for the ticket it shows). */
  async function settle() {
    for (let i = 0; i < 100; i++) {
      await hub.loop.drain();
      if (!(await hub.store.listJobs({ status: 'queued', limit: 1 })).length) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('jobs still queued after a second');
  }
  const calls = (method: string) => api.requests.filter((r) => r.url.pathname.endsWith(`/${method}`));
  const formOf = (r: RecordedRequest) => r.body as Record<string, string>;
  function expectValidRequests() {
    for (const r of api.requests) {
      if (r.url.origin === new URL(SLACK_API).origin) {
        expect(r.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
        expectRequestMatchesSpec(slackSpec, r);
      } else expectRequestMatchesSpec(zendeskSpec, r);
    }
  }
  const responseDetail = async (id: string) => (await (await adminRequest(hub, `/api/responses/${id}`)).json()) as { slack: { assignment: { user: { id: string; name: string } } | null; actions: { kind: string; user: { id: string }; value: string | null }[] } };
  const loopOf = async (id: string) => ((await (await adminRequest(hub, `/api/responses/${id}/loop`)).json()) as { loop: { status: string; acknowledgedBy: string | null; closedBy: string | null } }).loop;
  const statusOf = (update: RecordedRequest) => {
    const blocks = JSON.parse(formOf(update).blocks!) as { block_id?: string; elements?: { text: string }[] }[];
    return blocks.find((b) => b.block_id === 'closeloop_status')?.elements?.[0]?.text ?? '';
  };

  describe(`the Slack app through ${framework}`, () => {
    it('puts the four buttons on every verbatim message, each carrying the response id', async () => {
      const { id, message } = await respond(8);
      const actions = message.blocks.find((b) => b.type === 'actions') as { block_id: string; elements: { action_id: string; value: string }[] };
      expect(actions.block_id).toBe('closeloop_actions');
      expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
        ['closeloop_open_ticket', id],
        ['closeloop_follow_up', id],
        ['closeloop_loop_closed', id],
        ['closeloop_themes', id],
      ]);
    });

    it('refuses a bad signature, a stale timestamp (over 5 minutes) and an unsigned request with 401, and records nothing', async () => {
      const { id, message } = await respond(8);
      for (const init of [
        interactivity(click(message, 'closeloop_follow_up'), { secret: 'not-the-secret' }),
        interactivity(click(message, 'closeloop_follow_up'), { ageSeconds: 6 * 60 }),
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `payload=${encodeURIComponent(JSON.stringify(click(message, 'closeloop_follow_up')))}` },
      ]) {
        const res = await send(init);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature', issues: [{ field: 'x-slack-signature', message: 'does not match' }] } });
      }
      expect(api.requests).toEqual([]);
      expect((await responseDetail(id)).slack).toEqual({ assignment: null, actions: [] });
      expect((await loopOf(id)).status).toBe('open');
    });

    it('acknowledges a signed click it cannot read with an empty 200 (Slack does not retry it), logs the field, and does nothing', async () => {
      await hub.cleanup();
      const warnings: { fields: Record<string, unknown>; message: string }[] = [];
      const log: Logger = { debug() {}, info() {}, error() {}, warn: (fields, message) => void warnings.push({ fields: fields as Record<string, unknown>, message: message ?? '' }), child: () => log };
      hub = makeHub({}, log);
      const { id, message } = await respond(8);
      const { trigger_id: _, ...unreadable } = click(message, 'closeloop_follow_up');
      const res = await send(interactivity(unreadable));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      const ours = warnings.filter((w) => w.message.startsWith('slack'));
      expect(ours.map((w) => w.message)).toEqual(['slack app: payload not understood, acknowledged and ignored']);
      expect((ours[0]!.fields.issues as { path: unknown[] }[]).map((i) => i.path)).toEqual([['trigger_id']]);
      expect(api.requests).toEqual([]);
      expect((await responseDetail(id)).slack).toEqual({ assignment: null, actions: [] });
      expect((await loopOf(id)).status).toBe('open');
    });

    it("\"I'll follow up\": assigns the response to the clicker, acknowledges its loop by them, updates the message in place", async () => {
      const { id, message } = await respond(7);
      const res = await send(interactivity(click(message, 'closeloop_follow_up')));
      expect(res.status).toBe(200);
      // The name is the person's full name (users.info), not the handle the click carries.
      expect(calls('users.info').map((r) => formOf(r).user)).toEqual([DANA.id]);
      expect((await responseDetail(id)).slack.assignment?.user).toEqual({ id: DANA.id, name: 'Dana Scully' });
      expect(await loopOf(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dana Scully', closedBy: null });
      const [update, ...more] = calls('chat.update');
      expect(more).toEqual([]);
      expect(formOf(update!)).toMatchObject({ channel: CHANNEL, ts: message.ts, text: message.text });
      expect(statusOf(update!)).toMatch(new RegExp(`^:raising_hand: <@${DANA.id}> follows up \\(since <!date\\^\\d+\\^`));
      // The buttons stay, under the status.
      const blocks = JSON.parse(formOf(update!).blocks!) as { block_id?: string }[];
      expect(blocks.map((b) => b.block_id).slice(-2)).toEqual(['closeloop_status', 'closeloop_actions']);
      expectValidRequests();
    });

    it('records the handle Slack sent when users.info cannot name the clicker', async () => {
      const { id, message } = await respond(7);
      const stranger = { id: 'U0GUEST01', username: 'guest.one', name: 'guest.one', team_id: 'T0ACME001' };
      expect((await send(interactivity(click(message, 'closeloop_follow_up', stranger)))).status).toBe(200);
      expect(calls('users.info')).toHaveLength(1);
      expect((await responseDetail(id)).slack.assignment?.user).toEqual({ id: stranger.id, name: 'guest.one' });
      expect(await loopOf(id)).toMatchObject({ acknowledgedBy: 'guest.one' });
    });

    it('a replayed click (the same payload again) is recorded once and moves nothing', async () => {
      const { id, message } = await respond(7);
      const payload = click(message, 'closeloop_follow_up');
      expect((await send(interactivity(payload))).status).toBe(200);
      expect((await send(interactivity(payload))).status).toBe(200);
      expect((await responseDetail(id)).slack.actions).toHaveLength(1);
      expect(await loopOf(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dana Scully' });
      // The name was looked up once: the second click used the cache.
      expect(calls('users.info')).toHaveLength(1);
    });

    it('"Open ticket": one Zendesk ticket however many clicks, then the message shows its link', async () => {
      const { id, message } = await respond(8, 'Export is slow');
      const [first, second] = await Promise.all([
        send(interactivity(click(message, 'closeloop_open_ticket'))),
        send(interactivity(click(message, 'closeloop_open_ticket', LEE))),
      ]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      await settle();
      expect(calls('tickets.json').filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(tickets).toEqual([{ id: 4242, external_id: `slack-app:${id}:ticket` }]);
      const created = calls('tickets.json').find((r) => r.method === 'POST')!.body as { ticket: Record<string, unknown> };
      expect(created.ticket).toMatchObject({ requester: { email: 'ana@example.com' }, tags: ['nps', 'passive', 'slack'], external_id: `slack-app:${id}:ticket`, comment: { public: false } });
      expect(String(created.ticket.subject)).toMatch(/^NPS 8 \(passive\): ticket opened from Slack by (Dana Scully|Lee Adama)$/);
      // The other click hears a ticket exists; the message updates once, with the link.
      expect(calls('chat.postEphemeral').map((r) => formOf(r).text)).toEqual([expect.stringMatching(/ticket (already|is being opened)/)]);
      const updates = calls('chat.update');
      expect(updates).toHaveLength(1);
      expect(statusOf(updates[0]!)).toMatch(new RegExp(`^:ticket: Ticket <${ZENDESK}/agent/tickets/4242\\|#4242> opened by <@U0(DANA|LEE)\\d+>$`));
      const job = (await hub.store.listJobs({ responseId: id, action: 'zendesk.createTicket', limit: 5 }))[0]!;
      expect(job).toMatchObject({ status: 'succeeded', key: `slack-app:${id}:ticket` });
      expectValidRequests();
    });

    it('answers the click before the slow work: the ticket is a queued job when Slack hears back, made by the runner after', async () => {
      const { id, message } = await respond(9, 'Love it, but the export could be faster');
      const res = await hub.app.request('/slack/events', interactivity(click(message, 'closeloop_open_ticket')));
      expect(res.status).toBe(200);
      await hub.slackApp?.idle();
      expect(calls('tickets.json')).toEqual([]);
      expect(await hub.store.listJobs({ responseId: id, action: 'zendesk.createTicket', limit: 5 })).toEqual([expect.objectContaining({ status: 'queued', key: `slack-app:${id}:ticket` })]);
      await settle();
      expect(tickets).toEqual([{ id: 4242, external_id: `slack-app:${id}:ticket` }]);
    });

    it('"Open ticket" with Zendesk in sandbox mode: the ticket is recorded, not sent, and the message says so', async () => {
      await hub.cleanup();
      hub = makeHub({ ZENDESK_EMAIL: undefined, ZENDESK_API_TOKEN: undefined, ZENDESK_SUBDOMAIN: undefined, ZENDESK_BASE_URL: undefined });
      const { id, message } = await respond(8);
      expect((await send(interactivity(click(message, 'closeloop_open_ticket')))).status).toBe(200);
      expect(calls('tickets.json')).toEqual([]);
      expect(await hub.store.listJobs({ responseId: id, action: 'zendesk.createTicket', limit: 5 })).toEqual([expect.objectContaining({ status: 'sandboxed' })]);
      const [update] = calls('chat.update');
      expect(statusOf(update!)).toBe(`:ticket: Ticket recorded in sandbox mode (Zendesk has no credentials), asked by <@${DANA.id}>`);
    });

    it('"Loop closed": closes the loop by the clicker, replies in the thread, and shows who and when', async () => {
      const { id, message } = await respond(3, 'Terrible export');
      expect((await send(interactivity(click(message, 'closeloop_loop_closed')))).status).toBe(200);
      expect(await loopOf(id)).toMatchObject({ status: 'closed', closedBy: 'Dana Scully' });
      const reply = calls('chat.postMessage').map(formOf).find((b) => b.thread_ts === message.ts)!;
      expect(reply.text).toMatch(/^Loop closed by Dana Scully after \d+ s$/);
      expect(statusOf(calls('chat.update')[0]!)).toMatch(new RegExp(`^:white_check_mark: Loop closed by <@${DANA.id}> <!date\\^\\d+\\^\\{date_short_pretty\\} \\{time\\}\\|`));
      // A later "I'll follow up" assigns, but never moves the loop back.
      expect((await send(interactivity(click(message, 'closeloop_follow_up', LEE)))).status).toBe(200);
      expect(await loopOf(id)).toMatchObject({ status: 'closed', closedBy: 'Dana Scully' });
      expect((await responseDetail(id)).slack.actions.map((a) => [a.kind, a.user.id])).toEqual([
        ['loop_closed', DANA.id],
        ['follow_up', LEE.id],
      ]);
      expectValidRequests();
    });

    it('a click on a message whose response was erased answers politely, ephemerally, and stores nothing', async () => {
      const { id, message } = await respond(8);
      expect((await send(interactivity(click(message, 'closeloop_follow_up')))).status).toBe(200);
      const rows = () => ['slack_actions', 'response_assignments'].map((t) => (hub.store.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
      expect(rows()).toEqual([1, 1]);
      await hub.store.forgetRespondent('ana@example.com', new Date().toISOString());
      // Who clicked on the erased response goes with it.
      expect(rows()).toEqual([0, 0]);
      api.requests.length = 0;
      for (const button of ['closeloop_follow_up', 'closeloop_open_ticket', 'closeloop_loop_closed', 'closeloop_themes']) {
        expect((await send(interactivity(click(message, button)))).status).toBe(200);
      }
      const notes = calls('chat.postEphemeral').map(formOf);
      expect(notes).toHaveLength(4);
      for (const note of notes) expect(note).toMatchObject({ channel: CHANNEL, user: DANA.id, text: expect.stringMatching(/^This response was erased/) });
      expect(calls('chat.update')).toEqual([]);
      expect(calls('tickets.json')).toEqual([]);
      expect((await adminRequest(hub, `/api/responses/${id}`)).status).toBe(404);
      expectValidRequests();
    });

    it('the theme picker opens a modal of the known themes; the submitted theme is recorded and shown on the message', async () => {
      const { id, message } = await respond(8);
      expect((await send(interactivity(click(message, 'closeloop_themes')))).status).toBe(200);
      const [open] = calls('views.open');
      const view = JSON.parse(formOf(open!).view!) as { callback_id: string; private_metadata: string; blocks: { element: { type: string; options: { value: string }[] } }[] };
      expect(formOf(open!).trigger_id).toBe('1337.4242.1');
      expect(view.callback_id).toBe('closeloop_theme');
      expect(view.blocks[0]!.element.type).toBe('static_select');
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
      const refused = await send(submit('Onboarding'));
      expect(refused.status).toBe(200);
      expect(await refused.json()).toEqual({ response_action: 'errors', errors: { theme: 'Pick one of the themes listed.' } });
      const saved = await send(submit('pricing'));
      expect(saved.status).toBe(200);
      expect(await saved.json()).toEqual({ response_action: 'clear' });
      expect((await responseDetail(id)).slack.actions).toEqual([expect.objectContaining({ kind: 'theme', value: 'pricing', user: { id: DANA.id, name: 'Dana Scully' } })]);
      expect(statusOf(calls('chat.update')[0]!)).toBe(`:label: Theme: pricing (<@${DANA.id}>)`);
      expectValidRequests();
    });

    it('/nps answers NPS with its margin and change and the top themes, ephemerally unless public', async () => {
      for (const [i, score] of [10, 9, 9, 3, 8].entries()) await respond(score, i % 2 ? 'Too expensive' : 'Love the export', `p${i}@example.com`);
      const command = (text: string) =>
        signed(new URLSearchParams({ token: 'legacy', team_id: 'T0ACME001', channel_id: CHANNEL, user_id: DANA.id, user_name: 'dana', command: '/nps', text, response_url: 'https://hooks.slack.com/commands/1', trigger_id: '1.2.3' }).toString(), 'application/x-www-form-urlencoded');
      const res = await send(command('30d'));
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { response_type: string; text: string };
      expect(answer.response_type).toBe('ephemeral');
      const lines = answer.text.split('\n');
      expect(lines[0]).toMatch(/^\*NPS last 30d: \+40\* ±\d+(\.\d)? \(95% margin\), 5 responses \(small sample: read with care\)$/);
      expect(lines[1]).toBe('Promoters 60% · Passives 20% · Detractors 20%');
      expect(lines[2]).toBe('Change: no responses in the 30d before to compare with');
      expect(lines[3]).toBe('Top themes: export (3), pricing (2)');
      const shared = (await (await send(command('public 30d'))).json()) as { response_type: string };
      expect(shared.response_type).toBe('in_channel');
      const segment = (await (await send(command('source=generic 7d'))).json()) as { text: string };
      expect(segment.text).toMatch(/^\*NPS last 7d, source = generic: \+40\*/);
      const wrong = (await (await send(command('yesterday'))).json()) as { response_type: string; text: string };
      expect(wrong.response_type).toBe('ephemeral');
      expect(wrong.text).toMatch(/^I did not understand `yesterday`\.\n\*\/nps \[segment\] \[period\] \[public\]\*/);
      expect(api.requests).toEqual([]);
    });

    it("App Home shows the user's assigned responses and the open loops (views.publish)", async () => {
      const mine = await respond(6, 'Export broke');
      await respond(9, 'Great');
      expect((await send(interactivity(click(mine.message, 'closeloop_follow_up')))).status).toBe(200);
      api.requests.length = 0;
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
      expect((await send(signed(event, 'application/json'))).status).toBe(200);
      const [publish, ...more] = calls('views.publish');
      expect(more).toEqual([]);
      expect(formOf(publish!).user_id).toBe(DANA.id);
      const view = JSON.parse(formOf(publish!).view!) as { type: string; blocks: { type: string; text: { text: string } }[] };
      expect(view.type).toBe('home');
      const texts = view.blocks.map((b) => b.text?.text ?? '');
      expect(texts[0]).toBe('Yours to follow up');
      expect(texts[1]).toMatch(new RegExp(`^\\*6/10 detractor\\* · loop acknowledged · yours since <!date.*\\n>Export broke\\n\`${mine.id}\`$`));
      const open = texts.slice(texts.indexOf('Open loops') + 1);
      // Newest first; an acknowledged loop is open until someone closes it.
      expect(open).toHaveLength(2);
      expect(open[0]).toMatch(/^\*9\/10 promoter\* · nobody on it yet · received <!date/);
      expect(open[1]).toMatch(new RegExp(`^\\*6/10 detractor\\* · <@${DANA.id}> follows up · received <!date`));
      expectValidRequests();
    });

    it('answers Slack\'s URL verification challenge only when signed', async () => {
      const body = JSON.stringify({ token: 'legacy', challenge: 'c-123', type: 'url_verification' });
      const res = await send(signed(body, 'application/json'));
      expect(res.status).toBe(200);
      // Slack takes the challenge back as plain text (slack-edge) or as JSON (Bolt).
      expect(['c-123', '{"challenge":"c-123"}']).toContain(await res.text());
      expect((await send(signed(body, 'application/json', { secret: 'wrong' }))).status).toBe(401);
    });
  });

  describe(`the Slack app's route fails closed (${framework})`, () => {
    it('without SLACK_SIGNING_SECRET every request is refused 401, naming it; without a bot token, 503', async () => {
      await hub.cleanup();
      hub = makeHub({ SLACK_SIGNING_SECRET: undefined });
      const res = await send(interactivity({ type: 'block_actions' }, { secret: '' }));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { issues: { field: string }[] } }).error.issues[0]!.field).toBe('SLACK_SIGNING_SECRET');
      await hub.cleanup();
      hub = makeHub({ SLACK_BOT_TOKEN: undefined });
      const noToken = await send(interactivity({ type: 'block_actions' }));
      expect(noToken.status).toBe(503);
      expect(hub.slackApp).toBeUndefined();
    });
  });
}
