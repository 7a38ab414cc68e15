import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec, requestProblems } from '../support/openapi.js';
import { SPECS } from '../support/shared.js';

/** The shared validator must fail on each kind of mismatch, for OpenAPI 3 (YAML) and Swagger 2 (JSON). */
const zendesk = loadSpec(`${SPECS}/zendesk/support-oas.yaml`, { pathSuffix: '.json' });
const intercom = loadSpec(`${SPECS}/intercom/2.15/api.intercom.io.yaml`);
const slack = loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'], undocumentedParameters: ['metadata'] });

const req = (method: string, url: string, body: unknown = '', headers: Record<string, string> = {}): RecordedRequest => ({
  method,
  url: new URL(url),
  headers: new Headers(headers),
  body,
});
const basic = { authorization: 'Basic YWdlbnQ6dG9rZW4=', 'content-type': 'application/json' };
const bearer = { authorization: 'Bearer t', 'content-type': 'application/json' };
const form = { authorization: 'Bearer xoxb-1', 'content-type': 'application/x-www-form-urlencoded' };
const ticket = { ticket: { subject: 'Hi', comment: { body: 'Text', public: false }, requester: { email: 'a@example.com', name: 'A' }, tags: ['nps'], priority: 'high' } };

describe('OpenAPI request validator', () => {
  it('accepts requests that match (OpenAPI 3 YAML, Swagger 2 JSON)', () => {
    expect(requestProblems(zendesk, req('POST', 'https://x.zendesk.com/api/v2/tickets.json', ticket, basic))).toEqual([]);
    expect(requestProblems(zendesk, req('GET', 'https://x.zendesk.com/api/v2/tickets.json?external_id=k&page%5Bsize%5D=100', '', basic))).toEqual([]);
    expect(requestProblems(intercom, req('POST', 'https://api.intercom.io/events', { event_name: 'e', created_at: 1, id: 'c1' }, bearer))).toEqual([]);
    expect(requestProblems(slack, req('POST', 'https://slack.com/api/chat.postMessage', { channel: 'C1', text: 'hi', unfurl_links: 'false', metadata: '{}' }, form))).toEqual([]);
  });

  it('fails on an unknown path', () => {
    expect(requestProblems(zendesk, req('POST', 'https://x.zendesk.com/api/v2/tikets.json', ticket, basic))).toEqual([
      `unknown path /api/v2/tikets (no operation in ${SPECS}/zendesk/support-oas.yaml)`,
    ]);
    expect(requestProblems(slack, req('POST', 'https://slack.com/api/chat.postMesage', { channel: 'C1' }, form))[0]).toMatch(/^unknown path \/chat.postMesage/);
    expect(() => expectRequestMatchesSpec(intercom, req('GET', 'https://api.intercom.io/nope', '', bearer))).toThrow(/unknown path \/nope/);
  });

  it('fails on a wrong method', () => {
    expect(requestProblems(zendesk, req('PATCH', 'https://x.zendesk.com/api/v2/tickets.json', ticket, basic))).toEqual(['wrong method PATCH for /api/v2/tickets (the spec has GET, POST)']);
    expect(requestProblems(intercom, req('PUT', 'https://api.intercom.io/events', {}, bearer))[0]).toMatch(/^wrong method PUT for \/events/);
    // POST stands in for GET only where the option says the API allows it.
    expect(requestProblems(slack, req('GET', 'https://slack.com/api/chat.postMessage?channel=C1', '', form))[0]).toMatch(/^wrong method GET/);
  });

  it('fails on a missing required field or parameter', () => {
    expect(requestProblems(intercom, req('POST', 'https://api.intercom.io/events', { event_name: 'e', id: 'c1' }, bearer)).join()).toMatch(/must have required property 'created_at'/);
    expect(requestProblems(intercom, req('POST', 'https://api.intercom.io/contacts/c1/tags', {}, bearer)).join()).toMatch(/must have required property 'id'/);
    expect(requestProblems(slack, req('POST', 'https://slack.com/api/chat.postMessage', { text: 'hi' }, form))).toEqual(['POST /chat.postMessage: missing required formData parameter channel']);
  });

  it('fails on a wrong type or value, in a body, a query or a form', () => {
    const bad = { ticket: { ...ticket.ticket, priority: 'asap', subject: 42 } };
    expect(requestProblems(zendesk, req('POST', 'https://x.zendesk.com/api/v2/tickets.json', bad, basic)).join()).toMatch(/\/ticket\/priority must be equal to one of the allowed values.*\/ticket\/subject must be string/);
    expect(requestProblems(zendesk, req('GET', 'https://x.zendesk.com/api/v2/tickets.json?page%5Bsize%5D=lots', '', basic)).join()).toMatch(/query parameter page=.*must be integer/);
    expect(requestProblems(slack, req('POST', 'https://slack.com/api/conversations.history', { channel: 'C1', limit: 'ten' }, form))).toEqual([
      'POST /conversations.history: query parameter limit="ten" (root) must be integer',
    ]);
  });

  it('fails on an undeclared query or form parameter, and on a missing credential', () => {
    expect(requestProblems(zendesk, req('GET', 'https://x.zendesk.com/api/v2/tickets.json?externalid=k', '', basic))).toEqual(['GET /api/v2/tickets: unknown query parameter externalid']);
    expect(requestProblems(slack, req('POST', 'https://slack.com/api/chat.postMessage', { channel: 'C1', link_name: 'true' }, form))).toEqual([
      'POST /chat.postMessage: unknown formData parameter link_name',
    ]);
    expect(requestProblems(intercom, req('POST', 'https://api.intercom.io/events', { event_name: 'e', created_at: 1, id: 'c1' }, { 'content-type': 'application/json' }))).toEqual([
      'POST /events: no credential for bearerAuth',
    ]);
  });
});
