import { afterEach, describe, expect, it } from 'vitest';
import { clip, FIELD_LIMITS } from '../../connectors/clip.js';
import { actionRegistry } from '../../connectors/registry.js';
import type { Job } from '../../src/core/job.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/**
 * Every action's request keeps each vendor-limited field within the vendor's documented limit
 * (docs/security.md, "Connector field limits") by clipping with a marker that says where the
 * full text is — never by refusing the job.
 */
const registry = actionRegistry();
const job = { key: 'resp-1:recipe:act', responseId: 'resp-1' } as Job;
const MARKER = '… (truncated; full text: closeloop show resp-1)';
const utf8Length = (s: string) => new TextEncoder().encode(s).length;
/** No half of a surrogate pair left alone (a character cut in two). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Parameters of `action` (validated as the planner does), and its request's body. */
function requestOf(action: string, params: Record<string, unknown>) {
  const registered = registry.get(action)!;
  const parsed = registered.action.params.safeParse(params);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return registered.action.request(parsed.data, job).body as any;
}

/** Long text with multi-byte characters and an emoji at every cut point a naive slice could split. */
const long = (n: number) => 'Exports fail again 😡 — ünïcödé '.repeat(Math.ceil(n / 31)).slice(0, n);

function expectClipped(value: string, max: number, unit: 'chars' | 'utf8' = 'chars') {
  expect(unit === 'utf8' ? utf8Length(value) : value.length).toBeLessThanOrEqual(max);
  expect(value.endsWith(MARKER)).toBe(true);
  expect(wellFormed(value)).toBe(true);
}

describe('the shared clip helper', () => {
  it('leaves text that fits as it is, and cuts longer text to the limit with the marker', () => {
    expect(clip('short', 10, 'x')).toBe('short');
    expect(clip('x'.repeat(100), 60, 'closeloop show r')).toBe('x'.repeat(60 - '… (truncated; full text: closeloop show r)'.length) + '… (truncated; full text: closeloop show r)');
  });
  it('never splits a character, and counts UTF-8 bytes when the vendor does', () => {
    const text = '😡'.repeat(100);
    const chars = clip(text, 80, 'r');
    expect(wellFormed(chars)).toBe(true);
    expect(chars.length).toBeLessThanOrEqual(80);
    const bytes = clip(text, { max: 120, unit: 'utf8' }, 'r');
    expect(utf8Length(bytes)).toBeLessThanOrEqual(120);
    expect(bytes.startsWith('😡')).toBe(true);
  });
});

describe('each action clips what a verbatim can fill', () => {
  it('slack.postMessage: headline and quote to 3,000, fields to 2,000, context to 3,000', () => {
    const body = requestOf('slack.postMessage', { channel: '#nps', text: long(5000), quote: long(5000), context: long(4000), fields: [{ label: 'Account', value: long(2500) }] });
    const [headline, fields, quote, context] = body.blocks;
    expectClipped(headline.text.text, FIELD_LIMITS.slack.sectionText);
    expectClipped(fields.fields[0].text, FIELD_LIMITS.slack.sectionField);
    expectClipped(quote.elements[0].elements[0].text, FIELD_LIMITS.slack.textObject);
    expectClipped(context.elements[0].text, FIELD_LIMITS.slack.textObject);
    expect(body.text.length).toBeLessThanOrEqual(FIELD_LIMITS.slack.sectionText + 100);
  });

  it('slack.postMessage: a quote that fits is sent exactly as written', () => {
    const quote = long(3000);
    expect(requestOf('slack.postMessage', { channel: '#nps', text: 'hi', quote }).blocks[1].elements[0].elements[0].text).toBe(quote);
  });

  it('slack.replyInThread: headline and quote to 3,000', () => {
    const body = requestOf('slack.replyInThread', { channel: 'C1', threadTs: '1.2', text: long(4000), quote: long(9000) });
    expectClipped(body.blocks[0].text.text, FIELD_LIMITS.slack.sectionText);
    expectClipped(body.blocks[1].elements[0].elements[0].text, FIELD_LIMITS.slack.textObject);
  });

  it('zendesk.createTicket: subject to 250 characters, body to 64,000 UTF-8 bytes', () => {
    const body = requestOf('zendesk.createTicket', { requesterEmail: 'a@example.com', subject: long(400), body: long(70_000) });
    expectClipped(body.ticket.subject, FIELD_LIMITS.zendesk.subject);
    expectClipped(body.ticket.comment.body, FIELD_LIMITS.zendesk.commentBody.max, 'utf8');
  });

  it('zendesk.addComment: body to 64,000 UTF-8 bytes', () => {
    const body = requestOf('zendesk.addComment', { ticketId: 7, body: long(70_000) });
    expectClipped(body.ticket.comment.body, FIELD_LIMITS.zendesk.commentBody.max, 'utf8');
  });

  it('intercom.trackEvent: every metadata value to 255 characters', () => {
    const body = requestOf('intercom.trackEvent', { email: 'a@example.com', eventName: 'nps-promoter', metadata: { verbatim: long(1000), score: '10' } });
    expectClipped(body.metadata.verbatim, FIELD_LIMITS.intercom.metadataValue);
    expect(body.metadata.score).toBe('10');
  });

  it('intercom.addNote: body text to 10,000 characters (before HTML escaping)', () => {
    const body = requestOf('intercom.addNote', { email: 'a@example.com', body: 'x'.repeat(20_000) });
    expect(body.body).toContain(`${'x'.repeat(100)}${MARKER}</p>`);
    expect(body.body.length).toBeLessThanOrEqual(FIELD_LIMITS.intercom.noteBody + 200);
  });

  it('hubspot.updateContact: the comment property to 65,536 characters', () => {
    const body = requestOf('hubspot.updateContact', { email: 'a@example.com', score: 3, category: 'detractor', comment: long(70_000), answeredAt: '2026-01-01T00:00:00Z' });
    expectClipped(body.properties.closeloop_nps_comment, FIELD_LIMITS.hubspot.stringProperty);
  });

  it('hubspot.createTask: subject and body within 65,536 with the effect-once marker and job line kept whole', () => {
    const body = requestOf('hubspot.createTask', { subject: long(70_000), body: long(70_000) });
    const { hs_task_subject: subject, hs_task_body: text } = body.properties;
    expect(subject.length).toBeLessThanOrEqual(FIELD_LIMITS.hubspot.stringProperty);
    expect(subject.endsWith(`${MARKER} [cl-<job marker>]`)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(FIELD_LIMITS.hubspot.stringProperty);
    expect(text.endsWith(`${MARKER}\n\ncloseloop job <job key>`)).toBe(true);
  });

  it('salesforce.updateContact: the comment to 32,768 characters', () => {
    const body = requestOf('salesforce.updateContact', { email: 'a@example.com', score: 3, category: 'detractor', comment: long(40_000), answeredAt: '2026-01-01T00:00:00Z' });
    expectClipped(body.NPS_Comment__c, FIELD_LIMITS.salesforce.longTextArea);
  });

  it('salesforce.createTask: Subject within 255 with its marker, Description within 32,000 with its job line', () => {
    const body = requestOf('salesforce.createTask', { subject: long(400), description: long(40_000) });
    expect(body.Subject.length).toBeLessThanOrEqual(FIELD_LIMITS.salesforce.taskSubject);
    expect(body.Subject.endsWith(`${MARKER} [cl-<job marker>]`)).toBe(true);
    expect(body.Description.length).toBeLessThanOrEqual(FIELD_LIMITS.salesforce.taskDescription);
    expect(body.Description.endsWith(`${MARKER}\n\ncloseloop job <job key>`)).toBe(true);
  });
});

describe('a 5,000-character comment through the shipped recipes', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('still gets its ticket, alert and verbatim (sandbox), each clipped, none dead', async () => {
    hub = makeTestHub();
    const comment = long(5000);
    const res = await postWebhook(hub, 'generic', { response_id: 'long-1', score: 2, comment, email: 'ana@example.com' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    const jobs = (await hub.store.listJobs({ responseId: id, limit: 10 })).filter((j) => j.type === 'action');
    expect(jobs.map((j) => [j.action, j.status, j.lastError]).sort()).toEqual([
      ['slack.postMessage', 'sandboxed', null],
      ['slack.postMessage', 'sandboxed', null],
      ['zendesk.createTicket', 'sandboxed', null],
    ]);
    const marker = `… (truncated; full text: closeloop show ${id})`;
    for (const j of jobs.filter((j) => j.action === 'slack.postMessage')) {
      const quote = (j.result as any).request.body.blocks.find((b: any) => b.type === 'rich_text').elements[0].elements[0].text as string;
      expect(quote.length).toBeLessThanOrEqual(3000);
      expect(quote.endsWith(marker)).toBe(true);
      expect(comment.startsWith(quote.slice(0, -marker.length))).toBe(true);
    }
    // The ticket body (verbatim plus context) fits Zendesk's limit untouched: it is sent whole.
    const ticket = jobs.find((j) => j.action === 'zendesk.createTicket')!;
    expect((ticket.result as any).request.body.ticket.comment.body).toContain(comment);
  });
});
