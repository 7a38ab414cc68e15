import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { NormalizedResponse } from '../../src/core/response.js';
import { themeTagger } from '../../src/themes/tagger.js';
import { loadThemeRules } from '../../src/themes/parse-themes.js';
import { accountsByEmail } from '../insights/support.js';
import { makeTestHub } from '../support/hub.js';
import { slackActionStore } from '../../src/store/slack-actions.js';
import { createCampaign } from '../../src/campaigns/campaigns.js';
import { compileCampaignOrThrow } from '../../src/campaigns/compile.js';
import type { NodeHub } from '../../src/runtime/node/hub.js';

/** The hub's clock while the dashboard is looked at. */
export const NOW = '2026-03-02T10:00:00.000Z';
const WEEK = 7 * 86_400_000;
const SLACK_API = 'https://slack.test/api/';

const THEMES = 'themes:\n  speed:\n    label: Speed\n    keywords: [slow, fast]\n  billing:\n    label: Billing\n    keywords: [invoice, bill, price]\n  support:\n    label: Support\n    keywords: [support, help]\n';
const COMMENTS = ['The app is slow on Mondays', 'Support was quick to help', 'The invoice was wrong again', 'Fast and simple', 'Price is too high for us', null];

/** Who answered, by plan: a small `starter` segment, flagged as a small sample. */
const PLAN_OF = (n: number) => (n % 25 === 0 ? 'starter' : n % 2 ? 'enterprise' : 'pro');

/** The six newest detractors with a comment: their loops are answered (the first one also closed). */
export const answeredDetractors = (seeded: SeededResponse[]) => seeded.filter((r) => r.score <= 6 && r.comment).slice(-6);

/** An advocacy campaign over the stored promoters: the 10s, then (on approval) the 9s; Intercom is sandboxed in these hubs. */
export const G2_REVIEWS = {
  name: 'g2-reviews',
  description: 'Ask our promoters for a G2 review',
  action: 'intercom.trackEvent',
  params: { email: '{{ response.respondent.email }}', eventName: 'g2-review-ask', metadata: { score: '{{ response.score }}' } },
  filter: { category: 'promoter' },
  waves: [{ score: 10 }, { score: 9 }],
  betweenWaves: { approval: true },
};

/** Create {@link G2_REVIEWS} as the API and the CLI do (members frozen, wave 1 queued). */
export function seedG2Reviews(hub: NodeHub, now: () => Date) {
  return createCampaign(compileCampaignOrThrow(G2_REVIEWS, hub.registry), {
    store: hub.store,
    registry: hub.registry,
    maxAttempts: (action) => hub.policies.retryOf(action).maxAttempts,
    now,
  });
}

export interface SeededResponse {
  email: string;
  score: number;
  comment: string | null;
  receivedAt: string;
  plan: string;
}

/**
 * A hub over a database seeded with 12 weeks of NPS answers (scores, comments with themes, plans
 * from a fake CRM), planned by the shipped recipes: Zendesk and Intercom in sandbox mode, Slack
 * live against an msw fake of its Web API (which the test can make refuse), a few detractors'
 * loops answered, and one Slack job dead. Served on an ephemeral port; the job runner runs.
 */
export async function seededDashboardHub() {
  const clock = { now: Date.parse(NOW) };
  const slack = { refuse: false, posts: [] as { channel: string; ts: string; text: string; key: string | undefined }[] };
  // Slack's Web API as the connector uses it: post, and (before sending a replayed job again) find
  // the channel and read its history for a message this job already posted.
  const mock = setupServer(
    http.post(`${SLACK_API}chat.postMessage`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      if (slack.refuse) return HttpResponse.json({ ok: false, error: 'is_archived' });
      const metadata = form.get('metadata') ? (JSON.parse(form.get('metadata')!) as { event_payload?: { key?: string } }) : undefined;
      const ts = `${1_772_400_000 + slack.posts.length}.000100`;
      slack.posts.push({ channel: 'C0FEEDBACK', ts, text: form.get('text') ?? '', key: metadata?.event_payload?.key });
      return HttpResponse.json({ ok: true, channel: 'C0FEEDBACK', ts, message: { type: 'message', text: form.get('text'), ts } });
    }),
    http.post(`${SLACK_API}conversations.list`, () => HttpResponse.json({ ok: true, channels: [{ id: 'C0FEEDBACK', name: 'nps-feedback' }, { id: 'C0ALERTS', name: 'cx-alerts' }], response_metadata: { next_cursor: '' } })),
    http.post(`${SLACK_API}conversations.history`, () =>
      HttpResponse.json({
        ok: true,
        messages: slack.posts.map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(m.key ? { metadata: { event_type: 'closeloop_job', event_payload: { key: m.key } } } : {}) })).reverse(),
        has_more: false,
        response_metadata: { next_cursor: '' },
      }),
    ),
  );
  mock.listen({ onUnhandledRequest: 'bypass' });

  const seeded: SeededResponse[] = [];
  const accounts: Record<string, { plan: string; name: string }> = {};
  for (let n = 1; n <= 180; n++) accounts[`user${n}@acme.test`] = { plan: PLAN_OF(n), name: `Acme ${n}` };
  accounts['dead-letter@acme.test'] = { plan: 'enterprise', name: 'Acme Dead' };
  accounts['live@acme.test'] = { plan: 'pro', name: 'Acme Live' };

  const hub = makeTestHub({
    now: () => new Date(clock.now),
    enricher: accountsByEmail(accounts),
    themes: themeTagger(loadThemeRules({ file: 'themes.yaml', text: THEMES })),
    retry: { baseMs: 1, capMs: 1 },
    env: { SLACK_BOT_TOKEN: 'xoxb-dashboard-test', SLACK_API_URL: SLACK_API, CLOSELOOP_ADMIN_TOKEN: 'dashboard-admin-token-0123456789abcdef' },
  });

  let seq = 0;
  const receive = async (at: string, email: string, score: number, comment: string | null) => {
    clock.now = Date.parse(at);
    const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: `d-${++seq}`, score, comment, respondent: { email, name: null, externalId: null } });
    const { id } = await hub.store.ingest({ response, rawBody: JSON.stringify(response), contentType: 'application/json' });
    return id;
  };

  // 15 answers a week for 12 weeks, the newest an hour before NOW; scores drift up over time.
  for (let n = 1; n <= 180; n++) {
    const week = Math.floor((n - 1) / 15);
    const at = new Date(Date.parse(NOW) - 3_600_000 - (11 - week) * WEEK - (n % 15) * 3_600_000).toISOString();
    const score = (n * 7 + week) % 11;
    const comment = COMMENTS[n % COMMENTS.length]!;
    seeded.push({ email: `user${n}@acme.test`, score, comment, receivedAt: at, plan: PLAN_OF(n) });
    await receive(at, `user${n}@acme.test`, score, comment);
  }
  clock.now = Date.parse(NOW);
  await hub.loop.drain();
  // The promoters' campaign, its first wave delivered (sandboxed), its second waiting for approval.
  const g2Reviews = await seedG2Reviews(hub, () => new Date(clock.now));
  await hub.loop.drain();

  // The six newest detractors answered (a Zendesk agent replied within 5 to 30 h), one of them closed.
  const detractors = answeredDetractors(seeded);
  for (const [i, r] of detractors.entries()) {
    const [stored] = await hub.store.listResponsesByEmail(r.email, 1);
    const at = new Date(Date.parse(r.receivedAt) + (i + 1) * 5 * 3_600_000).toISOString();
    const target = { kind: 'zendesk-ticket' as const, externalId: null, ticketId: String(i) };
    await hub.store.recordLoopEvent(stored!.id, { source: 'zendesk', eventId: `ack-${i}`, step: 'acknowledged', at, actor: 'Dana Scully', target }, at);
    if (i === 0) {
      // Dana also said "I'll follow up" on the Slack message (the Slack app records who clicked).
      await slackActionStore(hub.store.driver).recordSlackAction({ eventId: 'click-0', responseId: stored!.id, kind: 'follow_up', user: { id: 'U0DANA', name: 'Dana Scully' }, value: null, at });
    }
    if (i === 0) await hub.store.recordLoopEvent(stored!.id, { source: 'zendesk', eventId: `close-${i}`, step: 'closed', at: new Date(Date.parse(at) + 3_600_000).toISOString(), actor: 'Dana Scully', target }, at);
  }

  // Slack refuses one message for good: that job is dead, for the replay button.
  slack.refuse = true;
  clock.now = Date.parse(NOW) - 30 * 60_000;
  const deadResponseId = await receive(new Date(clock.now).toISOString(), 'dead-letter@acme.test', 10, 'Loved the onboarding call');
  await hub.loop.drain();
  slack.refuse = false;
  clock.now = Date.parse(NOW);

  hub.loop.start();
  const server = serve({ fetch: hub.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    hub,
    url,
    slack,
    seeded,
    deadResponseId,
    g2Reviews,
    token: hub.adminToken.token,
    /** Move the hub's clock on (a replay's progress counts the jobs replayed since it started). */
    advance: (ms: number) => void (clock.now += ms),
    /** A new response arriving now (for the live feed). */
    receiveNow: (email: string, score: number, comment: string) => receive(new Date(clock.now).toISOString(), email, score, comment),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      mock.close();
      await hub.cleanup();
    },
  };
}
export type SeededDashboardHub = Awaited<ReturnType<typeof seededDashboardHub>>;
