import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actionRegistry, CONNECTORS } from '../../connectors/registry.js';
import { HUB_SECRET_VARIABLES } from '../../src/core/config.js';
import { secretVariables } from '../../src/jobs/redact.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { loadRecipesDir } from '../../src/runtime/node/recipes-dir.js';
import { SOURCES } from '../../src/sources/registry.js';
import { TOKEN_HEADER } from '../../src/sources/signature.js';
import { recordingServer } from '../support/http-recorder.js';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';
import { fixtureBytes, LOCAL_PAYLOADS } from '../sources/source-suite.js';

/**
 * Every declared secret gets a unique marker; fake vendors echo the request's headers, body and URL
 * in their errors; every connector runs an action, every source takes a webhook (the vendor-API
 * ones fetch with their token), CRM enrichment runs against both CRMs. No marker may be found in
 * the database files (WAL included), the logs or the admin API's answers.
 */
const NAMES = secretVariables(CONNECTORS, SOURCES.values(), HUB_SECRET_VARIABLES);
const MARKER = /MARK\d+Z[a-z0-9]{6}/;
const markers = new Map<string, string>(NAMES.map((name, i) => [name, `MARK${i}Z${randomBytes(3).toString('hex')}`]));
const SECRETS: Record<string, string> = Object.fromEntries(
  NAMES.map((name) => {
    const m = markers.get(name)!;
    // Values in the shape each variable must have; the marker inside.
    if (name === 'GENERIC_WEBHOOK_SECRET' || name === 'CLOSELOOP_WEBHOOK_SECRET') return [name, `whsec_${`${m}abcdefgh`.slice(0, 16)}`];
    if (name === 'SLACK_BOT_TOKEN') return [name, `xoxb-${m}-secret`];
    if (name === 'CLOSELOOP_ADMIN_TOKEN') return [name, `admin-${m}-0123456789`];
    return [name, `${m}-secret-value`];
  }),
);

const HOSTS = ['zendesk', 'slack', 'intercom', 'hubspot', 'salesforce', 'qualtrics', 'surveymonkey'];
const LIVE = {
  ...SECRETS,
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_BASE_URL: 'https://zendesk.test',
  SLACK_API_URL: 'https://slack.test/api/',
  INTERCOM_BASE_URL: 'https://intercom.test',
  HUBSPOT_BASE_URL: 'https://hubspot.test',
  SALESFORCE_INSTANCE_URL: 'https://salesforce.test',
  SALESFORCE_CLIENT_ID: 'client-id',
  QUALTRICS_BASE_URL: 'https://qualtrics.test',
  SURVEYMONKEY_BASE_URL: 'https://surveymonkey.test',
  CLOSELOOP_ALERT_CHANNEL: '#ops',
  CLOSELOOP_HTTP_TIMEOUT_MS: '2000',
  CLOSELOOP_ALLOW_UNSIGNED: undefined,
  LOG_LEVEL: 'debug',
};

/** What a careless vendor answers: 401 with the credentials it was sent, first, then the body and URL. */
async function echo(request: Request) {
  const headers = [...request.headers.entries()].sort(([a], [b]) => (/auth|token|key/.test(a) ? -1 : /auth|token|key/.test(b) ? 1 : 0));
  const text = `refused ${headers.map(([k, v]) => `${k}=${v}`).join(' ')} body=${await request.text()} url=${request.url}`;
  if (request.url.startsWith('https://slack.test')) return HttpResponse.json({ ok: false, error: text });
  if (new URL(request.url).pathname.startsWith('/services/data')) return HttpResponse.json([{ message: text, errorCode: 'INVALID_SESSION_ID' }], { status: 401 });
  return HttpResponse.json({ error: text, error_description: text, message: text, errors: [{ code: 'unauthorized', message: text }], meta: { error: { errorMessage: text } } }, { status: 401 });
}
const api = recordingServer(...HOSTS.map((h) => http.all(`https://${h}.test/*`, ({ request }) => echo(request))));
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

const CRM_RECIPES = `
name: crm-tasks
when: "true"
actions:
  - id: hubspot
    action: hubspot.createTask
    params: { subject: "NPS {{ response.score }}" }
  - id: salesforce
    action: salesforce.createTask
    params: { subject: "NPS {{ response.score }}" }
`;

const encoder = new TextEncoder();
const hmac = (algorithm: string, key: string, body: string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(body).digest(encoding);

/** One signed webhook per source; the vendor-API sources (SurveyMonkey, Qualtrics) then fetch with their tokens. */
function signedWebhooks(): { source: string; body: string; headers: Record<string, string>; query?: string }[] {
  const generic = JSON.stringify({ response_id: 'g-1', score: 3, comment: 'Slow', email: 'ana@example.com' });
  const at = new Date();
  const delighted = JSON.stringify({ event_type: 'survey_response.created', event_data: { id: 'd-1', score: 10, comment: 'Great', person: { email: 'bo@example.com' } } });
  const typeform = JSON.stringify({ event_type: 'form_response', form_response: { form_id: 'f', token: 't-1', answers: [{ type: 'number', number: 9, field: { type: 'nps', ref: 'nps' } }] } });
  const asknicely = JSON.stringify({ person: { email: 'cy@example.com' }, question: { id: 'q-1', score: 4, comment: 'Meh' } });
  const surveymonkey = JSON.stringify({ event_type: 'response_completed', event_id: 'e-1', object_type: 'response', object_id: 'sm-1', event_datetime: at.toISOString(), resources: { survey_id: '42' } });
  const qualtrics = JSON.stringify({ Topic: 'x.surveyengine.completedResponse.SV_1', Status: 'Complete', SurveyID: 'SV_1', ResponseID: 'R_1' });
  return [
    { source: 'generic', body: generic, headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(SECRETS.GENERIC_WEBHOOK_SECRET!).sign('msg_1', at, generic) } },
    { source: 'delighted', body: delighted, headers: { 'X-Delighted-Webhook-Signature': `sha256=${hmac('sha256', SECRETS.DELIGHTED_WEBHOOK_SECRET!, delighted, 'hex')}` } },
    { source: 'typeform', body: typeform, headers: { 'Typeform-Signature': `sha256=${hmac('sha256', SECRETS.TYPEFORM_WEBHOOK_SECRET!, typeform, 'base64')}` } },
    { source: 'asknicely', body: asknicely, headers: { [TOKEN_HEADER]: SECRETS.ASKNICELY_WEBHOOK_SECRET! } },
    { source: 'surveymonkey', body: surveymonkey, headers: { 'Sm-Signature': hmac('sha1', SECRETS.SURVEYMONKEY_WEBHOOK_SECRET!, surveymonkey, 'base64') } },
    { source: 'qualtrics', body: qualtrics, headers: {}, query: `?token=${encodeURIComponent(SECRETS.QUALTRICS_WEBHOOK_SECRET!)}` },
    ...fixtureWebhooks(at),
  ];
}

/** The other sources: a shared fixture each (shared/specs/payloads), signed their way. */
function fixtureWebhooks(at: Date): { source: string; body: string; headers: Record<string, string> }[] {
  const body = (source: string, file: string, dir?: string) => new TextDecoder().decode(fixtureBytes(source, file, dir));
  const secret = (source: string) => SECRETS[`${source.toUpperCase().replace(/-/g, '_')}_WEBHOOK_SECRET`]!;
  const token = (source: string) => ({ [TOKEN_HEADER]: secret(source) });
  const wootric = body('wootric', 'promoter-with-comment.json');
  const survicate = body('survicate', 'promoter-with-comment.json');
  const intercom = body('intercom-csat', 'rating5-with-remark.json');
  const zendesk = body('zendesk-csat', 'good-with-comment.json');
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    { source: 'wootric', body: wootric, headers: { 'X-Wootric-Signature': `sha1=${hmac('sha1', secret('wootric'), wootric, 'hex')}` } },
    { source: 'survicate', body: survicate, headers: { Hmac: hmac('sha256', secret('survicate'), survicate, 'hex') } },
    { source: 'intercom-csat', body: intercom, headers: { 'X-Hub-Signature': `sha1=${hmac('sha1', secret('intercom-csat'), intercom, 'hex')}` } },
    { source: 'zendesk-csat', body: zendesk, headers: { 'X-Zendesk-Webhook-Signature': hmac('sha256', secret('zendesk-csat'), stamp + zendesk, 'base64'), 'X-Zendesk-Webhook-Signature-Timestamp': stamp } },
    { source: 'hubspot', body: body('hubspot', 'promoter-with-comment.json', LOCAL_PAYLOADS), headers: token('hubspot') },
    ...['refiner', 'hotjar', 'retently'].map((source) => ({ source, body: body(source, 'promoter-with-comment.json'), headers: token(source) })),
  ];
}

function found(text: string): string[] {
  const hits = [...Object.values(SECRETS)].filter((v) => text.includes(v) || text.includes(encodeURIComponent(v)));
  const marker = MARKER.exec(text);
  return marker ? [...hits, `marker ${marker[0]} in …${text.slice(Math.max(0, marker.index - 120), marker.index + 40)}…`] : hits;
}

describe('no configured secret leaks', () => {
  let hub: ReturnType<typeof makeTestHub> | undefined;
  afterEach(async () => hub?.cleanup());

  it('every connector, every vendor-API source and both CRMs fail against vendors that echo credentials: no secret in the database, logs or API answers', { timeout: 120_000 }, async () => {
    const known = new Set(actionRegistry().keys());
    const recipes = [...loadRecipesDir('recipes', known), ...parseRecipes([{ file: 'crm.yaml', text: CRM_RECIPES }], known)];
    const logs: string[] = [];
    const answers: string[] = [];
    const zendeskBasic = Buffer.from(`agent@example.com/token:${SECRETS.ZENDESK_API_TOKEN}`).toString('base64');

    for (const crm of ['none', 'hubspot', 'salesforce']) {
      hub = makeTestHub({ env: { ...LIVE, CLOSELOOP_CRM: crm }, recipes, log: undefined, logDestination: { write: (line: string) => void logs.push(line) }, retry: { baseMs: 1, capMs: 2, maxAttempts: 2 } });
      const h = hub;
      const webhooks = signedWebhooks();
      expect(webhooks.map((w) => w.source).sort()).toEqual([...SOURCES.keys()].sort());
      for (const w of webhooks) {
        const res = await postWebhook(h, `${w.source}${w.query ?? ''}`, w.body, { ...w.headers, 'content-type': 'application/json' });
        answers.push(await res.text());
        expect(res.status, `${w.source}: ${answers.at(-1)}`).toBe(202);
      }
      // Every source refuses a request without its signature; the 401 names what is missing, never the secret.
      for (const name of SOURCES.keys()) {
        const res = await postWebhook(h, name, encoder.encode('{}'));
        expect(res.status).toBe(401);
        answers.push(await res.text());
      }
      for (let i = 0; i < 4; i++) await h.loop.drain();
      for (const path of ['/api/responses?limit=500', '/api/jobs?limit=500', '/api/nps', '/api/openapi.json']) answers.push(await (await adminRequest(h, path)).text());
      for (const job of await h.store.listJobs({ limit: 500 })) answers.push(await (await adminRequest(h, `/api/jobs/${job.id}`)).text());
      for (const r of await h.store.listResponses({ limit: 500 })) answers.push(await (await adminRequest(h, `/api/responses/${r.id}`)).text());
      answers.push(await (await h.app.request('/healthz')).text());

      const jobs = await h.store.listJobs({ limit: 500 });
      const errors = jobs.map((j) => j.lastError ?? '').join('\n');
      if (crm === 'none') {
        // The echoes did reach what is stored (so the test can fail): every connector's job failed on them.
        for (const action of ['zendesk.createTicket', 'slack.postMessage', 'intercom.trackEvent', 'hubspot.createTask', 'salesforce.createTask']) {
          expect(jobs.find((j) => j.action === action)?.lastError, action).toContain('[redacted]');
        }
        // The vendor-API sources read the answers with their tokens, which were echoed back.
        expect(errors).toMatch(/Qualtrics[^\n]*\[redacted\]/);
        expect(errors).toMatch(/SurveyMonkey[^\n]*\[redacted\]/);
      } else {
        expect(errors, crm).toMatch(new RegExp(`${crm} enrichment[^\\n]*\\[redacted\\]`));
      }
      await h.close();

      const db = h.config.CLOSELOOP_DB;
      for (const file of [db, `${db}-wal`, `${db}-shm`]) {
        if (!existsSync(file)) continue;
        const bytes = readFileSync(file).toString('latin1');
        expect(found(bytes), `${crm}: ${file}`).toEqual([]);
        expect(bytes.includes(zendeskBasic), `${crm}: ${file} holds the Zendesk Basic credentials`).toBe(false);
      }
      rmSync(h.dir, { recursive: true, force: true });
      hub = undefined;
    }
    expect(api.requests.length).toBeGreaterThan(0);
    // Operator alerts went to Slack (the alert channel) carrying the failures' errors, without a secret.
    const alerts = api.requests.filter((r) => r.url.host === 'slack.test' && (r.body as { channel?: string }).channel === '#ops');
    expect(alerts.length).toBeGreaterThan(0);
    expect(JSON.stringify(alerts.map((r) => r.body))).toContain('[redacted]');
    expect(found(JSON.stringify(alerts.map((r) => r.body))), 'operator alerts').toEqual([]);
    const logText = logs.join('');
    expect(logText).toContain('[redacted]');
    expect(found(logText), 'logs').toEqual([]);
    expect(logText.includes(zendeskBasic)).toBe(false);
    expect(found(answers.join('\n')), 'API answers').toEqual([]);
  });

  it('every variable the code reads whose name says it holds a credential is declared secret (the list cannot drift)', () => {
    const root = join(import.meta.dirname, '../..');
    const credential = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY)\b/g;
    const read = new Set<string>();
    for (const folder of ['src', 'connectors']) {
      for (const file of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(root, folder, file), 'utf8');
        // Constants of the code itself (a regex named SLACK_TOKEN) are no environment variables.
        const constants = new Set([...text.matchAll(/\bconst ([A-Z0-9_]+)\b/g)].map((m) => m[1]));
        for (const [name] of text.matchAll(credential)) if (!constants.has(name)) read.add(name);
      }
    }
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((name) => !NAMES.includes(name)).sort()).toEqual([]);
  });
});
