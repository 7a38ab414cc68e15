import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, recordingServer, testWorker } from './support.js';

// The Slack app on the Worker: slack-edge verifies the click and runs the same handlers as Bolt
// does on Node (test/slack-app/suite.ts), storing in D1; the calls after the ack outlive the
// answer through the request's execution context.
const SIGNING_SECRET = 'slack-signing-secret-for-workers';
const SETTINGS = {
  CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN,
  CLOSELOOP_ALLOW_UNSIGNED: 'generic',
  CLOSELOOP_RATE_LIMITS: 'off',
  SLACK_BOT_TOKEN: 'xoxb-workers-123',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: 'https://slack.test/api/',
};
const DANA = { id: 'U0DANA001', username: 'dana', name: 'dana', team_id: 'T0ACME001' };

let ts = 0;
const api = recordingServer(
  http.post('https://slack.test/api/chat.postMessage', () => HttpResponse.json({ ok: true, channel: 'C0NPS0001', ts: `1772445600.00000${++ts}` })),
  http.post('https://slack.test/api/conversations.list', () => HttpResponse.json({ ok: true, channels: [], response_metadata: { next_cursor: '' } })),
  http.post('https://slack.test/api/users.info', () => HttpResponse.json({ ok: true, user: { id: DANA.id, name: 'dana', real_name: 'Dana Scully', profile: { real_name: 'Dana Scully', display_name: 'Dana' } } })),
  http.post('https://slack.test/api/chat.update', async ({ request }) => {
    const body = Object.fromEntries(new URLSearchParams(await request.text()));
    return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts, text: body.text });
  }),
);
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

/** Signed as Slack signs: `v0=` hex(HMAC-SHA256(`v0:<timestamp>:<body>`)), with Web Crypto. */
async function signed(body: string, secret = SIGNING_SECRET, ageSeconds = 0): Promise<RequestInit> {
  const timestamp = String(Math.floor(Date.now() / 1000) - ageSeconds);
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`v0:${timestamp}:${body}`)));
  const signature = `v0=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }, body };
}

describe('the Slack app on the Worker (slack-edge, D1)', () => {
  it("a signed \"I'll follow up\" click assigns the response, acknowledges its loop in D1 and updates the message; a bad signature or a stale one gets 401", async () => {
    const worker = testWorker(SETTINGS);
    const res = await worker.postJson('generic', { response_id: 'slack-w-1', score: 4, comment: 'Exports are too slow', email: 'ana@example.com', name: 'Ana Lima' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await worker.drain()).toEqual([]);
    const posted = (await api.take()).filter((r) => r.url.pathname === '/api/chat.postMessage');
    const verbatim = posted.map((r) => r.body as Record<string, string>).find((b) => b.channel === '#nps-feedback')!;
    const blocks = JSON.parse(verbatim.blocks!) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const followUp = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === 'closeloop_follow_up')!;
    expect(followUp.value).toBe(id);

    const click = {
      type: 'block_actions',
      user: DANA,
      api_app_id: 'A0CLOSELOOP',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: '1772445600.000002', channel_id: 'C0NPS0001', is_ephemeral: false },
      trigger_id: '1337.4242.1',
      team: { id: 'T0ACME001', domain: 'acme' },
      channel: { id: 'C0NPS0001', name: 'nps-feedback' },
      message: { type: 'message', ts: '1772445600.000002', text: verbatim.text, blocks },
      response_url: 'https://hooks.slack.com/actions/T0ACME001/1/abc',
      actions: [{ type: 'button', action_id: 'closeloop_follow_up', block_id: 'closeloop_actions', value: id, text: { type: 'plain_text', text: "I'll follow up" }, action_ts: '1772445900.000001' }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(click))}`;
    const send = async (init: RequestInit) => {
      const ctx = createExecutionContext();
      const answer = await worker.handlers.fetch(new Request('https://closeloop.test/slack/events', init), worker.env, ctx);
      await waitOnExecutionContext(ctx);
      return answer;
    };

    expect((await send(await signed(body, 'not-the-secret'))).status).toBe(401);
    expect((await send(await signed(body, SIGNING_SECRET, 6 * 60))).status).toBe(401);
    expect(await api.take()).toEqual([]);

    expect((await send(await signed(body))).status).toBe(200);
    expect(await worker.drain()).toEqual([]);
    const after = await api.take();
    expect(after.filter((r) => r.url.pathname === '/api/users.info').map((r) => (r.body as Record<string, string>).user)).toEqual([DANA.id]);
    const [update, ...more] = after.filter((r) => r.url.pathname === '/api/chat.update');
    expect(more).toEqual([]);
    expect(update!.body).toMatchObject({ channel: 'C0NPS0001', ts: '1772445600.000002', text: verbatim.text });

    const detail = (await (await worker.admin(`/api/responses/${id}`)).json()) as { slack: { assignment: { user: unknown } | null; actions: { kind: string }[] } };
    expect(detail.slack.assignment?.user).toEqual({ id: DANA.id, name: 'Dana Scully' });
    expect(detail.slack.actions.map((a) => a.kind)).toEqual(['follow_up']);
    const loop = (await (await worker.admin(`/api/responses/${id}/loop`)).json()) as { loop: { status: string; acknowledgedBy: string | null } };
    expect(loop.loop).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dana Scully' });

    // The same click again (Slack retries, a double click): recorded once, the loop unchanged.
    expect((await send(await signed(body))).status).toBe(200);
    const again = (await (await worker.admin(`/api/responses/${id}`)).json()) as { slack: { actions: unknown[] } };
    expect(again.slack.actions).toHaveLength(1);
  });
});
