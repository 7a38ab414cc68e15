import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTORS } from '../../connectors/registry.js';
import { verifyConnectors } from '../../connectors/verify-connectors.js';
import { recordingServer } from '../support/http-recorder.js';
import { expectRequestMatchesSpec, loadSpec } from '../support/openapi.js';
import { SPECS } from '../support/shared.js';

const specs = {
  zendesk: loadSpec(`${SPECS}/zendesk/support-oas.yaml`, { pathSuffix: '.json' }),
  intercom: loadSpec(`${SPECS}/intercom/2.15/api.intercom.io.yaml`),
  slack: loadSpec(`${SPECS}/slack/slack_web_openapi_v2.json`, { postForGet: true, headersFromSecurity: ['token'] }),
};
const ENV = {
  ZENDESK_EMAIL: 'agent@example.com',
  ZENDESK_API_TOKEN: 'zd-token-123',
  ZENDESK_BASE_URL: 'https://zendesk-proxy.test',
  INTERCOM_ACCESS_TOKEN: 'ic-token-123',
  INTERCOM_BASE_URL: 'https://intercom-proxy.test',
  SLACK_BOT_TOKEN: 'xoxb-test-123',
  SLACK_API_URL: 'https://slack-proxy.test/api/',
};

const api = recordingServer(
  http.get('https://zendesk-proxy.test/api/v2/users/me.json', () => HttpResponse.json({ user: { id: 7, name: 'Agent Smith', email: 'agent@example.com', role: 'admin' } })),
  http.get('https://intercom-proxy.test/me', () =>
    HttpResponse.json({ type: 'admin', id: '814860', name: 'Ida Admin', email: 'ida@example.com', app: { type: 'app', id_code: 'abc123', name: 'Acme' } }),
  ),
  http.post('https://slack-proxy.test/api/auth.test', () =>
    HttpResponse.json({ ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'closeloop', team_id: 'T1', user_id: 'U1', bot_id: 'B1' }),
  ),
);
beforeAll(() => api.listen());
afterEach(() => api.reset());
afterAll(() => api.close());

const only = (names: string[]) => CONNECTORS.filter((c) => names.includes(c.name));

describe('closeloop check --connectors', () => {
  it('makes one harmless call per configured connector and says who the credentials belong to', async () => {
    const checks = await verifyConnectors(only(['zendesk', 'intercom', 'slack']), ENV);
    expect(checks).toEqual([
      { connector: 'slack', title: 'Slack', status: 'ok', detail: 'authenticated as closeloop (U1) in workspace Acme (https://acme.slack.com/)' },
      { connector: 'zendesk', title: 'Zendesk', status: 'ok', detail: 'authenticated as Agent Smith <agent@example.com> (role admin)' },
      { connector: 'intercom', title: 'Intercom', status: 'ok', detail: 'authenticated as Ida Admin <ida@example.com> in workspace Acme (abc123)' },
    ]);
    expect(api.requests.map((r) => `${r.method} ${r.url.href}`)).toEqual([
      'POST https://slack-proxy.test/api/auth.test',
      'GET https://zendesk-proxy.test/api/v2/users/me.json',
      'GET https://intercom-proxy.test/me',
    ]);
    const [slack, zendesk, intercom] = api.requests;
    expect(slack!.headers.get('authorization')).toBe('Bearer xoxb-test-123');
    expect(zendesk!.headers.get('authorization')).toBe(`Basic ${Buffer.from('agent@example.com/token:zd-token-123').toString('base64')}`);
    expect(intercom!.headers.get('authorization')).toBe('Bearer ic-token-123');
    expect(intercom!.headers.get('intercom-version')).toBe('2.15');
    expectRequestMatchesSpec(specs.slack, slack!);
    expectRequestMatchesSpec(specs.zendesk, zendesk!);
    expectRequestMatchesSpec(specs.intercom, intercom!);
  });

  it('says clearly what is wrong: the refused credential by name, or the sandbox', async () => {
    api.server.use(
      http.get('https://zendesk-proxy.test/api/v2/users/me.json', () => HttpResponse.json({ error: "Couldn't authenticate you" }, { status: 401 })),
      http.post('https://slack-proxy.test/api/auth.test', () => HttpResponse.json({ ok: false, error: 'invalid_auth' })),
    );
    const checks = await verifyConnectors(only(['zendesk', 'intercom', 'slack']), { ...ENV, INTERCOM_ACCESS_TOKEN: '' });
    expect(checks).toEqual([
      { connector: 'slack', title: 'Slack', status: 'failed', detail: 'Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN and its scopes (chat:write)' },
      {
        connector: 'zendesk',
        title: 'Zendesk',
        status: 'failed',
        detail: "Zendesk refused the credentials (HTTP 401): check ZENDESK_EMAIL and ZENDESK_API_TOKEN (an agent's email and an active API token): Couldn't authenticate you",
      },
      { connector: 'intercom', title: 'Intercom', status: 'sandbox', detail: 'no credentials: sandbox mode (set INTERCOM_ACCESS_TOKEN)' },
    ]);
    expect(JSON.stringify(checks)).not.toMatch(/zd-token-123|xoxb-test-123/);
  });

  it('the CLI prints one line per connector and exits 1 when a check fails', async () => {
    const run = promisify(execFile);
    // A port that was just free and is now closed: connecting is refused at once.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLOSELOOP_RECIPES: 'recipes',
      CLOSELOOP_HTTP_TIMEOUT_MS: '3000',
      SLACK_BOT_TOKEN: 'xoxb-test-123',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    };
    const failure = await run('node', ['--import', 'tsx', 'src/runtime/node/cli.ts', 'check', '--connectors'], { env }).then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failure?.code).toBe(1);
    const lines = failure!.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^FAILED {4}Slack {7}Slack could not be reached: fetch failed \(ECONNREFUSED\)$/));
    expect(lines).toContainEqual('SANDBOX   Zendesk     no credentials: sandbox mode (set ZENDESK_API_TOKEN)');
    expect(lines).toContainEqual('SANDBOX   Intercom    no credentials: sandbox mode (set INTERCOM_ACCESS_TOKEN)');
    expect(failure!.stdout).not.toContain('xoxb-test-123');
  });
});
