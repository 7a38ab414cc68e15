import { NormalizedResponse, type ResponseInput } from '../../src/core/response.js';
import { emptyEnrichment, type Account, type Enricher } from '../../src/core/account.js';
import { adminRequest, makeTestHub } from '../support/hub.js';

/** A CRM that knows accounts by respondent email. */
export function accountsByEmail(accounts: Record<string, Partial<Account>>): Enricher {
  return {
    enrich: async (email) => {
      const e = emptyEnrichment();
      return { ...e, account: { ...e.account, ...(email ? accounts[email] : undefined) } };
    },
  };
}

/** A hub (no recipes) whose clock the test sets, and a way to store responses received at given times. */
export function insightsHub(accounts: Record<string, Partial<Account>> = {}, env: Record<string, string> = {}) {
  const clock = { now: Date.parse('2026-03-02T10:00:00.000Z') };
  const hub = makeTestHub({ now: () => new Date(clock.now), enricher: accountsByEmail(accounts), recipes: [], env });
  let seq = 0;
  /** Store a response received at `at` (ISO), planned at once. */
  const receive = async (at: string, input: Partial<ResponseInput> & { score: number | null }) => {
    clock.now = Date.parse(at);
    const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: `r-${++seq}`, ...input });
    await hub.store.ingest({ response, rawBody: JSON.stringify(input), contentType: 'application/json' });
  };
  const get = async (query: string) => {
    const res = await adminRequest(hub, `/api/nps${query}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  return { hub, clock, receive, get };
}
