import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NormalizedResponse } from '../../src/core/response.js';
import { SqliteStore } from '../../src/runtime/node/sqlite-store.js';
import { slackActionStore, type SlackAction, type SlackActionStore } from '../../src/store/slack-actions.js';

let store: SqliteStore;
let actions: SlackActionStore;
let responseId: string;

beforeEach(async () => {
  store = new SqliteStore({ path: ':memory:' });
  actions = slackActionStore(store.driver);
  const response = NormalizedResponse.parse({ source: 'generic', sourceResponseId: 'r-1', score: 7, comment: 'ok', respondent: { email: 'ana@example.com' } });
  responseId = (await store.ingest({ response, rawBody: '{}', contentType: 'application/json' })).id;
});
afterEach(() => store.close());

const click = (over: Partial<SlackAction>): SlackAction => ({ eventId: 'e-1', responseId, kind: 'follow_up', user: { id: 'U0DANA001', name: 'Dana' }, value: null, at: '2026-12-02T10:00:00.000Z', ...over });

describe('slack actions in SQL (src/store/slack-actions.ts)', () => {
  it('records a click once by its id, and says whether it was new', async () => {
    expect(await actions.recordSlackAction(click({}))).toEqual({ recorded: true });
    expect(await actions.recordSlackAction(click({ at: '2026-12-02T11:00:00.000Z' }))).toEqual({ recorded: false });
    expect(await actions.slackActions(responseId)).toEqual([click({})]);
  });

  it('the newest "I\'ll follow up" holds the assignment, whatever order the clicks are written in', async () => {
    await actions.recordSlackAction(click({ eventId: 'late', user: { id: 'U0LEE0001', name: 'Lee' }, at: '2026-12-02T12:00:00.000Z' }));
    await actions.recordSlackAction(click({ eventId: 'early', at: '2026-12-02T10:00:00.000Z' }));
    expect(await actions.assignment(responseId)).toEqual({ responseId, user: { id: 'U0LEE0001', name: 'Lee' }, assignedAt: '2026-12-02T12:00:00.000Z' });
    expect((await actions.slackActions(responseId)).map((a) => a.eventId)).toEqual(['early', 'late']);
  });

  it('other buttons record the click without assigning', async () => {
    await actions.recordSlackAction(click({ kind: 'loop_closed' }));
    await actions.recordSlackAction(click({ eventId: 'e-2', kind: 'theme', value: 'pricing' }));
    expect(await actions.assignment(responseId)).toBeUndefined();
    expect((await actions.slackActions(responseId)).map((a) => [a.kind, a.value])).toEqual([['loop_closed', null], ['theme', 'pricing']]);
  });

  it('writes nothing for a response that does not exist (erased between the read and the write)', async () => {
    expect(await actions.recordSlackAction(click({ responseId: 'gone' }))).toEqual({ recorded: false });
    expect(await actions.slackActions('gone')).toEqual([]);
    expect(await actions.assignment('gone')).toBeUndefined();
    expect(await actions.assignedResponses('U0DANA001')).toEqual([]);
  });

  it("lists a user's assigned responses with their loop state", async () => {
    await actions.recordSlackAction(click({}));
    expect(await actions.assignedResponses('U0DANA001')).toEqual([
      { responseId, assignedAt: '2026-12-02T10:00:00.000Z', score: 7, category: 'passive', comment: 'ok', email: 'ana@example.com', receivedAt: expect.any(String), loopStatus: 'open' },
    ]);
    expect(await actions.assignedResponses('U0LEE0001')).toEqual([]);
  });
});
