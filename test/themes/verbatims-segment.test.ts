import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';
import { accountsByEmail } from '../insights/support.js';

/** GET /api/verbatims?segment=: comments of the responses whose plan saw that segment value. */
describe('verbatims by segment', () => {
  let hub: ReturnType<typeof makeTestHub>;
  const comments = async (query: string) => {
    const res = await adminRequest(hub, `/api/verbatims?${query}`);
    return { status: res.status, body: (await res.json()) as { verbatims?: { comment: string }[]; error?: { issues: { field: string }[] } } };
  };

  beforeAll(async () => {
    hub = makeTestHub({ recipes: [], enricher: accountsByEmail({ 'ana@acme.com': { plan: 'pro', region: 'EMEA' }, 'bo@beta.io': { plan: 'basic', region: 'EMEA' } }) });
    const send = [
      ['ana@acme.com', 3, 'Billed twice this month'],
      ['bo@beta.io', 9, 'Great support'],
      ['cy@nowhere.org', 6, 'Slow exports'],
    ] as const;
    for (const [i, [email, score, comment]] of send.entries()) await postWebhook(hub, 'generic', { response_id: `s-${i}`, score, comment, email });
    await hub.loop.drain();
  });
  afterAll(async () => hub?.cleanup());

  it('filters by an account field or a response field the plan stored, with the other filters', async () => {
    const of = async (q: string) => (await comments(q)).body.verbatims!.map((v) => v.comment);
    expect(await of('segment=plan:pro')).toEqual(['Billed twice this month']);
    expect(await of('segment=region:EMEA')).toEqual(['Great support', 'Billed twice this month']);
    expect(await of('segment=region:EMEA&category=promoter')).toEqual(['Great support']);
    expect(await of('segment=source:generic')).toEqual(['Slow exports', 'Great support', 'Billed twice this month']);
    expect(await of('segment=plan:enterprise')).toEqual([]);
  });

  it('refuses a segment that is not dimension:value naming the field', async () => {
    for (const q of ['segment=color:red', 'segment=plan', 'segment=plan:']) {
      const res = await comments(q);
      expect(res.status, q).toBe(422);
      expect(res.body.error!.issues.map((i) => i.field), q).toEqual(['segment']);
    }
  });
});
