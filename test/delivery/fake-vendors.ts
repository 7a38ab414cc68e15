import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Zendesk, Slack and Intercom on one plain node:http server on 127.0.0.1, for tests where
 * msw cannot reach (a hub in a child process) or where faults must hit the real sockets (resets,
 * answers that never come). It implements what the connectors call, as the vendors behave:
 *
 * - Zendesk (`/zendesk/api/v2`): `POST tickets.json`, `GET tickets.json?external_id=…` (Basic auth).
 * - Slack (`/slack/`): `chat.postMessage` (metadata kept), `conversations.list`,
 *   `conversations.history` (newest first, `oldest`, cursor pages, metadata with
 *   `include_all_metadata`); with `slackHistoryScope: false` the last two answer `missing_scope`.
 * - Intercom (`/intercom`): `POST /contacts/search` by email, `POST /contacts` (409 naming the
 *   existing id on a duplicate email), `POST /events` — which drops an event whose contact, name and
 *   `created_at` match one it has, answering 202 all the same (Intercom's documented behaviour).
 *
 * `fault(call)` decides, per request, whether to fail it and how: an error status before any
 * effect, or an answer that never comes or a reset connection, before or *after* the effect (the
 * case that makes effect-once hard: the vendor did it, the caller does not know).
 */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  | { kind: 'timeout'; afterEffect: boolean }
  | { kind: 'reset'; afterEffect: boolean };

export type Vendor = 'zendesk' | 'slack' | 'intercom';
export interface VendorCall {
  vendor: Vendor;
  /** `createTicket`, `listTickets`, `postMessage`, `conversationsList`, `history`, `searchContacts`, `createContact`, `createEvent`. */
  op: string;
}

export interface FakeVendorOptions {
  zendesk: { email: string; token: string };
  slack: { token: string };
  intercom: { token: string };
  /** Whether the Slack token may read history (channels:history, channels:read). Default true. */
  slackHistoryScope?: boolean;
  /** Clock for message `ts` and contact times (the test's injected clock). Default: system clock. */
  now?: () => Date;
}

export interface Ticket {
  id: number;
  external_id: string;
  subject: string;
  requester: { email: string };
  tags: string[];
}
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  /** The job key from the message's metadata. */
  jobKey: string | undefined;
  /** The parent message's `ts`, for a reply in a thread. */
  threadTs?: string;
}
export interface IntercomEvent {
  id: string;
  event_name: string;
  created_at: number;
  metadata: Record<string, string>;
}

export const SLACK_CHANNELS: Record<string, string> = { 'cx-alerts': 'C0CXALERTS1', 'nps-feedback': 'C0NPSFEED01' };

export async function startFakeVendors(options: FakeVendorOptions) {
  const now = options.now ?? (() => new Date());
  const state = {
    tickets: [] as Ticket[],
    messages: [] as SlackMessage[],
    /** Events Intercom kept (duplicates dropped). */
    events: [] as IntercomEvent[],
    /** Every `POST /events` received, duplicates included. */
    eventPosts: 0,
    contacts: [] as { id: string; email: string; role: string }[],
    calls: 0,
    faults: 0,
    /** Effects done whose answer was never delivered (timeout or reset after the effect). */
    lostAnswers: [] as VendorCall[],
  };
  let seq = 0;
  let fault: (call: VendorCall) => Fault | undefined = () => undefined;
  /** Called after an effect is done, before its answer is sent (the crash test kills the hub here). */
  let afterEffect: (call: VendorCall) => void = () => {};
  let gate: Promise<void> = Promise.resolve();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    await gate;
    const url = new URL(req.url ?? '/', 'http://fake');
    const call = route(req.method ?? 'GET', url.pathname);
    if (!call) return json(res, 404, { error: `fake vendors: no route ${req.method} ${url.pathname}` });
    state.calls += 1;
    const unauthorized = checkAuth(call.vendor, req);
    if (unauthorized) return unauthorized(res);
    const f = fault(call);
    if (f) state.faults += 1;
    if (f?.kind === 'status') return json(res, f.status, errorBody(call.vendor, f.status));
    if (f?.kind === 'rateLimited') return json(res, 429, errorBody(call.vendor, 429), { 'retry-after': String(f.retryAfterSeconds) });
    if (f && !f.afterEffect) return fail(f, res);
    // A request whose client already gave up (its timeout fired while this process's event loop
    // was busy) is not acted on: acting on it after the retry's own lookup is the one race no
    // lookup can close (README, "Where exactly-once is impossible"); injected faults above are
    // what this fake is for. One turn lets a close that already arrived be seen.
    await new Promise((resolve) => setImmediate(resolve));
    if (req.socket.destroyed) return;
    const answer = perform(call, req, url, raw);
    if (isEffect(call)) afterEffect(call);
    if (f) {
      state.lostAnswers.push(call);
      return fail(f, res);
    }
    return json(res, answer.status, answer.body);
  }

  function fail(f: Fault, res: ServerResponse) {
    // A timeout: keep the socket open without answering; the client gives up (its own timeout).
    if (f.kind === 'reset') res.socket?.destroy();
  }

  function route(method: string, path: string): VendorCall | undefined {
    if (path === '/zendesk/api/v2/tickets.json') return { vendor: 'zendesk', op: method === 'POST' ? 'createTicket' : 'listTickets' };
    if (path === '/slack/chat.postMessage') return { vendor: 'slack', op: 'postMessage' };
    if (path === '/slack/conversations.list') return { vendor: 'slack', op: 'conversationsList' };
    if (path === '/slack/conversations.history') return { vendor: 'slack', op: 'history' };
    if (path === '/intercom/contacts/search' && method === 'POST') return { vendor: 'intercom', op: 'searchContacts' };
    if (path === '/intercom/contacts' && method === 'POST') return { vendor: 'intercom', op: 'createContact' };
    if (path === '/intercom/events' && method === 'POST') return { vendor: 'intercom', op: 'createEvent' };
    return undefined;
  }

  function checkAuth(vendor: Vendor, req: IncomingMessage): ((res: ServerResponse) => void) | undefined {
    const auth = req.headers.authorization ?? '';
    if (vendor === 'zendesk') {
      const expected = `Basic ${Buffer.from(`${options.zendesk.email}/token:${options.zendesk.token}`).toString('base64')}`;
      return auth === expected ? undefined : (res) => json(res, 401, { error: "Couldn't authenticate you" });
    }
    if (vendor === 'intercom') {
      return auth === `Bearer ${options.intercom.token}`
        ? undefined
        : (res) => json(res, 401, { type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
    }
    return auth === `Bearer ${options.slack.token}` ? undefined : (res) => json(res, 200, { ok: false, error: 'invalid_auth' });
  }

  function perform(call: VendorCall, req: IncomingMessage, url: URL, raw: string): { status: number; body: unknown } {
    switch (call.op) {
      case 'listTickets': {
        const externalId = url.searchParams.get('external_id');
        const found = state.tickets.filter((t) => t.external_id === externalId);
        return { status: 200, body: { tickets: found, meta: { has_more: false, after_cursor: null, before_cursor: null }, links: { next: null, prev: null } } };
      }
      case 'createTicket': {
        const { ticket } = JSON.parse(raw) as { ticket: Omit<Ticket, 'id'> };
        const created = { id: 1000 + state.tickets.length, external_id: ticket.external_id, subject: ticket.subject, requester: ticket.requester, tags: ticket.tags };
        state.tickets.push(created);
        return { status: 201, body: { ticket: created } };
      }
      case 'postMessage': {
        const form = slackForm(req, raw);
        const channel = SLACK_CHANNELS[String(form.channel).replace(/^#/, '')] ?? String(form.channel);
        const metadata = typeof form.metadata === 'string' ? (JSON.parse(form.metadata) as { event_payload?: { key?: string } }) : undefined;
        const ts = `${Math.floor(now().getTime() / 1000)}.${String(++seq).padStart(6, '0')}`;
        state.messages.push({ channel, ts, text: String(form.text), jobKey: metadata?.event_payload?.key, ...(form.thread_ts ? { threadTs: String(form.thread_ts) } : {}) });
        return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', text: form.text, ts } } };
      }
      case 'conversationsList':
        if (options.slackHistoryScope === false) return { status: 200, body: { ok: false, error: 'missing_scope', needed: 'channels:read' } };
        return { status: 200, body: { ok: true, channels: Object.entries(SLACK_CHANNELS).map(([name, id]) => ({ id, name })), response_metadata: { next_cursor: '' } } };
      case 'history': {
        if (options.slackHistoryScope === false) return { status: 200, body: { ok: false, error: 'missing_scope', needed: 'channels:history' } };
        const form = slackForm(req, raw);
        const oldest = Number(form.oldest ?? 0);
        const latest = form.latest === undefined ? Infinity : Number(form.latest);
        const inclusive = form.inclusive === 'true' || form.inclusive === true;
        const limit = Math.min(Number(form.limit ?? 100), 1000);
        const offset = Number(form.cursor ?? 0);
        const inRange = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
        const all = state.messages.filter((m) => m.channel === form.channel && inRange(Number(m.ts))).reverse();
        const page = all.slice(offset, offset + limit);
        const withMetadata = form.include_all_metadata === 'true' || form.include_all_metadata === true;
        return {
          status: 200,
          body: {
            ok: true,
            messages: page.map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(withMetadata && m.jobKey ? { metadata: { event_type: 'closeloop_job', event_payload: { key: m.jobKey } } } : {}) })),
            has_more: offset + limit < all.length,
            response_metadata: { next_cursor: offset + limit < all.length ? String(offset + limit) : '' },
          },
        };
      }
      case 'searchContacts': {
        const { query } = JSON.parse(raw) as { query: { value: string } };
        const found = state.contacts.filter((c) => c.email === query.value).map(contactJson);
        return { status: 200, body: { type: 'list', data: found, total_count: found.length, pages: { type: 'pages', page: 1, per_page: 1, total_pages: found.length ? 1 : 0 } } };
      }
      case 'createContact': {
        const body = JSON.parse(raw) as { email: string; role: string };
        const existing = state.contacts.find((c) => c.email === body.email);
        if (existing) {
          return { status: 409, body: { type: 'error.list', errors: [{ code: 'conflict', message: `A contact matching those details already exists with id=${existing.id}` }] } };
        }
        const contact = { id: `6650${String(state.contacts.length + 1).padStart(20, '0')}`, email: body.email, role: body.role };
        state.contacts.push(contact);
        return { status: 200, body: contactJson(contact) };
      }
      case 'createEvent': {
        const event = JSON.parse(raw) as IntercomEvent;
        state.eventPosts += 1;
        const duplicate = state.events.some((e) => e.id === event.id && e.event_name === event.event_name && e.created_at === event.created_at);
        if (!duplicate) state.events.push(event);
        return { status: 202, body: null };
      }
    }
    throw new Error(`unhandled op ${call.op}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    /** The connectors' environment: credentials and base URLs pointing here. */
    env: {
      ZENDESK_EMAIL: options.zendesk.email,
      ZENDESK_API_TOKEN: options.zendesk.token,
      ZENDESK_BASE_URL: `${url}/zendesk`,
      SLACK_BOT_TOKEN: options.slack.token,
      SLACK_API_URL: `${url}/slack/`,
      INTERCOM_ACCESS_TOKEN: options.intercom.token,
      INTERCOM_BASE_URL: `${url}/intercom`,
    },
    setFault(f: typeof fault) {
      fault = f;
    },
    onEffect(f: typeof afterEffect) {
      afterEffect = f;
    },
    /** Hold every request until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return open;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type FakeVendors = Awaited<ReturnType<typeof startFakeVendors>>;

/** A call that creates something at the vendor (the others are look-ups). */
export function isEffect(call: VendorCall) {
  return call.op === 'createTicket' || call.op === 'postMessage' || call.op === 'createContact' || call.op === 'createEvent';
}

function contactJson(c: { id: string; email: string; role: string }) {
  return { type: 'contact', id: c.id, email: c.email, role: c.role };
}

function errorBody(vendor: Vendor, status: number) {
  if (vendor === 'intercom') return { type: 'error.list', errors: [{ code: status === 429 ? 'rate_limit_exceeded' : 'server_error', message: `fake ${status}` }] };
  if (vendor === 'slack') return { ok: false, error: status === 429 ? 'ratelimited' : 'fatal_error' };
  return { error: status === 429 ? 'TooManyRequests' : 'InternalError', description: `fake ${status}` };
}

/** Slack's Web API takes form bodies (objects JSON-encoded in a field) or JSON. */
function slackForm(req: IncomingMessage, raw: string): Record<string, unknown> {
  if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (body === null) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
