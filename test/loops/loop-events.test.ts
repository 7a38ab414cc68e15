import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import type { LoopState } from '../../src/loops/loop-event.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { startFakeVendors, type FakeVendors } from '../delivery/fake-vendors.js';
import { accountsByEmail } from '../insights/support.js';
import { buildDigest, digestMessage } from '../../src/insights/digest.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

const T0 = new Date('2026-11-02T09:00:00.000Z');
const ZD_SECRET = 'dGhlIHplbmRlc2sgc2lnbmluZyBzZWNyZXQ=';
const IC_SECRET = 'intercom-client-secret-1';
const ADMIN = 'admin-token-for-loop-tests-0123456789';
const RECIPES = `
name: detractor-loop
when: response.score <= 6
actions:
  - id: ticket
    action: zendesk.createTicket
    params: { requesterEmail: "{{ response.respondent.email }}", subject: "NPS {{ response.score }}", body: "{{ response.comment }}" }
  - id: alert
    action: slack.postMessage
    params: { channel: "#cx-alerts", text: "Detractor: {{ response.respondent.email }}", quote: "{{ response.comment }}" }
---
name: promoter-event
when: response.score >= 9
actions:
  - id: event
    action: intercom.trackEvent
    params: { email: "{{ response.respondent.email }}", eventName: nps-promoter }
`;

let vendors: FakeVendors;
let hub: ReturnType<typeof makeTestHub>;
const clock = { now: T0 };
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

beforeEach(async () => {
  clock.now = T0;
  vendors = await startFakeVendors({ zendesk: { email: 'agent@example.com', token: 'zd' }, slack: { token: 'xoxb-loop' }, intercom: { token: 'ic' }, now: () => clock.now });
  const recipes = RECIPES.split('---').map((text, i) => parseRecipes([{ file: `r${i}.yaml`, text }], new Set(actionRegistry().keys()))).flat();
  hub = makeTestHub({
    env: { ...vendors.env, ZENDESK_EVENTS_WEBHOOK_SECRET: ZD_SECRET, INTERCOM_EVENTS_WEBHOOK_SECRET: IC_SECRET, CLOSELOOP_ADMIN_TOKEN: ADMIN },
    recipes,
    now: () => clock.now,
    // The CRM's plans, for the figures by segment.
    enricher: accountsByEmail({ 'd0@example.com': { plan: 'pro' }, 'd1@example.com': { plan: 'pro' }, 'd2@example.com': { plan: 'basic' }, 'd3@example.com': { plan: 'basic' }, 'd4@example.com': { plan: 'basic' }, 'd5@example.com': { plan: 'basic' } }),
  });
});
afterEach(async () => {
  await hub.cleanup();
  await vendors.close();
});

async function respond(id: string, score: number, email = `${id}@example.com`) {
  const res = await postWebhook(hub, 'generic', { response_id: id, score, comment: 'The export keeps failing', email });
  expect(res.status).toBe(202);
  await hub.loop.drain();
  return ((await res.json()) as { id: string }).id;
}

function zendeskEvent(ticket: { id: number; external_id: string }, id: string, time: Date, event: Record<string, unknown>, type: string) {
  return { type, account_id: 22129848, id, time: time.toISOString(), zendesk_event_version: '2022-11-06', subject: `zen:ticket:${ticket.id}`, detail: { id: String(ticket.id), external_id: ticket.external_id, status: 'OPEN' }, event };
}
const comment = (name: string, options: { isPublic?: boolean; isStaff?: boolean } = {}) => ({ comment: { id: '91', body: 'Sorry about the export, a fix is out', is_public: options.isPublic ?? true, author: { id: '7', is_staff: options.isStaff ?? true, name } } });
const COMMENT = 'zen:event-type:ticket.comment_added';
const STATUS = 'zen:event-type:ticket.status_changed';

/** Sign as Zendesk does: base64(HMAC-SHA256(timestamp + body)). */
function postZendesk(body: unknown, secret = ZD_SECRET) {
  const text = JSON.stringify(body);
  const timestamp = '2026-11-02T10:00:00Z';
  const signature = createHmac('sha256', secret).update(timestamp + text).digest('base64');
  return hub.app.request('/webhooks/zendesk-events', { method: 'POST', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': timestamp }, body: text });
}
/** Sign as Intercom does: sha1= hex(HMAC-SHA1(body)) with the app's client secret. */
function postIntercom(body: unknown, secret = IC_SECRET) {
  const text = JSON.stringify(body);
  const signature = `sha1=${createHmac('sha1', secret).update(text).digest('hex')}`;
  return hub.app.request('/webhooks/intercom-events', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': signature }, body: text });
}
async function loopOf(responseId: string): Promise<LoopState> {
  const res = await hub.app.request(`/api/responses/${responseId}/loop`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { loop: LoopState }).loop;
}

describe('loop state from Zendesk ticket events', () => {
  it('an agent’s public reply acknowledges, solving closes, the Slack thread hears it once, and nothing moves it back', async () => {
    const responseId = await respond('r1', 2, 'ana@example.com');
    const [ticket] = vendors.state.tickets;
    const [alert] = vendors.state.messages;
    expect(ticket!.external_id).toBe(`${responseId}:detractor-loop:ticket`);
    expect(await loopOf(responseId)).toEqual({ responseId, status: 'open', openedAt: T0.toISOString(), acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null });

    // The customer's own comment and an internal note answer nobody.
    for (const [id, c] of [['e-customer', comment('Ana', { isStaff: false })], ['e-note', comment('Dana Scully', { isPublic: false })]] as const) {
      const res = await postZendesk(zendeskEvent(ticket!, id, at(10), c, COMMENT));
      expect(await res.json()).toEqual({ ignored: true, reason: 'this event moves no loop' });
    }
    expect((await loopOf(responseId)).status).toBe('open');

    const reply = await postZendesk(zendeskEvent(ticket!, 'e-reply', at(75), comment('Dana Scully'), COMMENT));
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ responseId, duplicate: false, loop: { status: 'acknowledged', acknowledgedAt: at(75).toISOString(), acknowledgedBy: 'Dana Scully' } });
    // The same event again: recorded once, nothing changes.
    expect(await (await postZendesk(zendeskEvent(ticket!, 'e-reply', at(75), comment('Dana Scully'), COMMENT))).json()).toMatchObject({ duplicate: true, loop: { acknowledgedBy: 'Dana Scully' } });

    clock.now = at(200);
    const solved = await postZendesk(zendeskEvent(ticket!, 'e-solved', at(192), { current: 'SOLVED', previous: 'OPEN' }, STATUS));
    expect(await solved.json()).toMatchObject({ loop: { status: 'closed', closedAt: at(192).toISOString(), closedBy: null, acknowledgedBy: 'Dana Scully' } });
    await hub.loop.drain();
    // The verbatim's message gets one reply in its thread.
    expect(vendors.state.messages.slice(1)).toEqual([
      expect.objectContaining({ channel: alert!.channel, threadTs: alert!.ts, text: 'Loop closed by Dana Scully after 3 h 12 min', jobKey: `${responseId}:detractor-loop:alert:loop-closed` }),
    ]);

    // Late and out-of-order events: an earlier reply moves the first response earlier (it was
    // earlier); a reopening, a later reply and a second "solved" move nothing back.
    await postZendesk(zendeskEvent(ticket!, 'e-early', at(40), comment('Fox Mulder'), COMMENT));
    await postZendesk(zendeskEvent(ticket!, 'e-reopen', at(300), { current: 'OPEN', previous: 'SOLVED' }, STATUS));
    await postZendesk(zendeskEvent(ticket!, 'e-later', at(310), comment('Walter Skinner'), COMMENT));
    await postZendesk(zendeskEvent(ticket!, 'e-solved-2', at(320), { current: 'CLOSED', previous: 'SOLVED' }, STATUS));
    await hub.loop.drain();
    expect(await loopOf(responseId)).toEqual({
      responseId,
      status: 'closed',
      openedAt: T0.toISOString(),
      acknowledgedAt: at(40).toISOString(),
      acknowledgedBy: 'Fox Mulder',
      closedAt: at(192).toISOString(),
      closedBy: null,
    });
    expect(vendors.state.messages).toHaveLength(2);
  });

  it('finds the ticket by its id when its external_id was changed by hand', async () => {
    const responseId = await respond('r2', 4);
    const ticket = { ...vendors.state.tickets[0]!, external_id: 'edited-by-an-agent' };
    const res = await postZendesk(zendeskEvent(ticket, 'e-1', at(5), comment('Dana Scully'), COMMENT));
    expect(await res.json()).toMatchObject({ responseId, loop: { status: 'acknowledged' } });
  });

  it('answers 200 and records nothing for a ticket the hub did not open', async () => {
    await respond('r3', 1);
    const res = await postZendesk(zendeskEvent({ id: 999, external_id: '' }, 'e-x', at(5), comment('Dana Scully'), COMMENT));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ignored: true, reason: 'no response of this hub is behind this ticket or conversation' });
  });

  it('refuses a wrong signature, an unsigned feed, and names the field of an invalid event', async () => {
    const responseId = await respond('r4', 3);
    const ticket = vendors.state.tickets[0]!;
    const forged = await postZendesk(zendeskEvent(ticket, 'e-f', at(5), { current: 'SOLVED' }, STATUS), 'not-the-secret');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'invalid_signature', issues: [{ field: 'signature' }] } });
    const invalid = await postZendesk({ type: COMMENT, id: 'e-i', time: 'yesterday', detail: { id: 1 }, event: {} });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_event', issues: [{ field: 'time' }] } });
    expect((await loopOf(responseId)).status).toBe('open');

    await hub.cleanup();
    hub = makeTestHub({ env: { ...vendors.env, CLOSELOOP_ADMIN_TOKEN: ADMIN } });
    const unsigned = await postZendesk(zendeskEvent(ticket, 'e-u', at(5), { current: 'SOLVED' }, STATUS));
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'unsigned', issues: [{ field: 'ZENDESK_EVENTS_WEBHOOK_SECRET', message: 'is not set' }] } });
  });
});

describe('loop state from Intercom conversation events', () => {
  const notification = (topic: string, id: string, contactId: string, time: Date, admin = 'Dana Scully') => ({
    type: 'notification_event',
    app_id: 'abc123',
    id,
    topic,
    created_at: Math.floor(time.getTime() / 1000) + 5,
    delivery_attempts: 1,
    data: {
      type: 'notification_event_data',
      item: {
        type: 'conversation',
        id: '1911149811',
        contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId, external_id: null }] },
        conversation_parts: { type: 'conversation_part.list', conversation_parts: [{ type: 'conversation_part', part_type: topic.endsWith('closed') ? 'close' : 'comment', created_at: Math.floor(time.getTime() / 1000), author: { type: 'admin', id: '814860', name: admin, email: 'dana@example.com' } }] },
      },
    },
  });

  it("an admin's reply acknowledges the contact's newest response, closing the conversation closes it", async () => {
    const responseId = await respond('p1', 10, 'pia@example.com');
    const contact = vendors.state.contacts.find((c) => c.email === 'pia@example.com')!;
    const replied = await postIntercom(notification('conversation.admin.replied', 'notif_1', contact.id, at(30)));
    expect(await replied.json()).toMatchObject({ responseId, loop: { status: 'acknowledged', acknowledgedAt: at(30).toISOString(), acknowledgedBy: 'Dana Scully' } });
    const closed = await postIntercom(notification('conversation.admin.closed', 'notif_2', contact.id, at(90)));
    expect(await closed.json()).toMatchObject({ responseId, loop: { status: 'closed', closedAt: at(90).toISOString(), closedBy: 'Dana Scully' } });
    expect((await postIntercom(notification('conversation.admin.closed', 'notif_2', contact.id, at(90)), 'wrong')).status).toBe(401);
    expect(await (await postIntercom({ type: 'notification_event', id: 'notif_ping', topic: 'ping', created_at: 1, data: { item: { type: 'ping' } } })).json()).toEqual({ ignored: true, reason: 'this event moves no loop' });
  });
});

describe('loop figures', () => {
  it('GET /api/loops: time to first response and to closure per category, and the share answered within the target', async () => {
    // Four detractors answered after 1, 2, 3 and 50 hours (one closed after 5 h); one never
    // answered (open 100 h: late); one received 10 h ago (not due yet); one promoter answered in 30 min.
    const ids = [];
    for (const [i, score] of [2, 3, 4, 5, 6, 0].entries()) {
      clock.now = at(i === 5 ? 90 * 60 : i);
      ids.push(await respond(`d${i}`, score));
    }
    clock.now = at(6);
    const promoter = await respond('p0', 10, 'pia@example.com');
    const tickets = vendors.state.tickets;
    const ack = async (n: number, hours: number) => postZendesk(zendeskEvent(tickets[n]!, `ack-${n}`, at(n + hours * 60), comment('Dana Scully'), COMMENT));
    await ack(0, 1);
    await ack(1, 2);
    await ack(2, 3);
    await ack(3, 50);
    await postZendesk(zendeskEvent(tickets[0]!, 'close-0', at(0 + 5 * 60), { current: 'SOLVED' }, STATUS));
    const contact = vendors.state.contacts[0]!;
    const text = JSON.stringify({ type: 'notification_event', id: 'n-p', topic: 'conversation.admin.replied', created_at: Math.floor(at(36).getTime() / 1000), data: { item: { type: 'conversation', contacts: { contacts: [{ id: contact.id }] } } } });
    await hub.app.request('/webhooks/intercom-events', { method: 'POST', headers: { 'x-hub-signature': `sha1=${createHmac('sha1', IC_SECRET).update(text).digest('hex')}` }, body: text });
    // "Now" is 100 h after the first response; the last detractor arrived 90 h in, 10 h ago.
    clock.now = at(100 * 60);
    expect(ids).toHaveLength(6);
    const res = await hub.app.request('/api/loops?since=2026-11-01T00:00:00Z', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { groups: { group: string }[] };
    expect(report).toEqual({
      since: '2026-11-01T00:00:00.000Z',
      until: null,
      by: 'category',
      targetHours: 48,
      groups: [
        {
          group: 'detractor',
          loops: 6,
          open: 2,
          acknowledged: 3,
          closed: 1,
          // 1, 2, 3, 50 h: quantiles interpolate between order statistics (position (n − 1)·p, as
          // numpy's default and Excel's PERCENTILE.INC): the median is 2.5, p90 = 3 + 0.7 × 47 = 35.9.
          hoursToFirstResponse: { median: 2.5, p90: 35.9 },
          hoursToClose: { median: 5, p90: 5 },
          // Known: the four answered and the one open for ~100 h; the one open for 10 h is not due.
          withinTarget: { answered: 3, of: 5, share: 60 },
        },
        { group: 'promoter', loops: 1, open: 0, acknowledged: 1, closed: 0, hoursToFirstResponse: { median: 0.5, p90: 0.5 }, hoursToClose: { median: null, p90: null }, withinTarget: { answered: 1, of: 1, share: 100 } },
      ],
      all: expect.objectContaining({ group: 'all', loops: 7, withinTarget: { answered: 4, of: 6, share: 66.7 } }),
    });
    expect(promoter).toBeDefined();
    // By a segment the plans saw (the account's plan): the promoter has no account, so `(none)`.
    const byPlan = (await (await hub.app.request('/api/loops?since=2026-11-01T00:00:00Z&by=plan', { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { groups: unknown[] };
    expect(byPlan.groups).toEqual([
      expect.objectContaining({ group: '(none)', loops: 1, acknowledged: 1, hoursToFirstResponse: { median: 0.5, p90: 0.5 } }),
      // 3 and 50 h: the median 26.5, p90 = 3 + 0.9 × 47 = 45.3; known: three (the 10 h old one is not due), one within 48 h.
      { group: 'basic', loops: 4, open: 2, acknowledged: 2, closed: 0, hoursToFirstResponse: { median: 26.5, p90: 45.3 }, hoursToClose: { median: null, p90: null }, withinTarget: { answered: 1, of: 3, share: 33.3 } },
      { group: 'pro', loops: 2, open: 0, acknowledged: 1, closed: 1, hoursToFirstResponse: { median: 1.5, p90: 1.9 }, hoursToClose: { median: 5, p90: 5 }, withinTarget: { answered: 2, of: 2, share: 100 } },
    ]);
    // The weekly digest of that week says how its detractors were answered (at 2026-11-09 all six are due).
    const digest = await buildDigest(hub.store, new Date('2026-11-09T12:00:00Z'), { channel: '#cx', sources: ['generic'] });
    expect(digestMessage(digest, '#cx').fields).toContainEqual({ label: 'Detractors answered', value: '3 of 6 within 48 h (50%); first reply after 2.5 h (median); 2 still open' });
    const bad = await hub.app.request('/api/loops?target=soon&by=color', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { issues: { field: string }[] } }).error.issues.map((i) => i.field).sort()).toEqual(['by', 'target']);
  });
});
