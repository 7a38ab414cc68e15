import { afterEach, describe, expect, it } from 'vitest';
import { actionRegistry } from '../../connectors/registry.js';
import type { Logger } from '../../src/core/logger.js';
import { parseRecipes } from '../../src/recipes/parse.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2026-01-01T00:00:00.000Z');

/** A logger that keeps every line, to read the plan's reasons. */
function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const make = (bindings: object): Logger => ({
    debug: (obj, msg) => void lines.push({ level: 'debug', obj: { ...bindings, ...obj }, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj: { ...bindings, ...obj }, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj: { ...bindings, ...obj }, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj: { ...bindings, ...obj }, msg }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return { log: make({}), lines };
}

describe('throttle: promoter-advocacy fires once per respondent per 90 days', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(async () => hub?.cleanup());

  it('skips the same person within 90 days (reason "throttled"), fires again after, others unaffected', async () => {
    let clock = T0;
    const { log, lines } = recordingLogger();
    hub = makeTestHub({ now: () => clock, log });

    /** Post a promoter at `day`, run the plan, and say what it planned and why. */
    const promoter = async (responseId: string, email: string, day: number) => {
      clock = new Date(T0.getTime() + day * DAY);
      const res = await postWebhook(hub, 'generic', { response_id: responseId, score: 10, email });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      await hub.loop.drain();
      const jobs = await hub.store.listJobs({ responseId: id, limit: 10 });
      const planned = lines.filter((l) => l.msg === 'response planned' && l.obj.response === id);
      expect(planned.length).toBe(1);
      return {
        id,
        actions: jobs.filter((j) => j.type === 'action').map((j) => [j.action, j.status, j.key]),
        skipped: planned[0]!.obj.skipped as Record<string, string>,
      };
    };

    const first = await promoter('r-1', 'pro@example.com', 0);
    expect(first.actions).toEqual([['intercom.trackEvent', 'sandboxed', `${first.id}:promoter-advocacy:event`]]);
    expect(first.skipped['promoter-advocacy']).toBeUndefined();

    // The same person (email compared normalised) 30 and 89 days later: throttled.
    const again = await promoter('r-2', 'PRO@Example.com', 30);
    expect(again.actions).toEqual([]);
    expect(again.skipped['promoter-advocacy']).toBe('throttled: already fired for this respondent at 2026-01-01T00:00:00.000Z');

    // A throttled response does not restart the period: still measured from day 0.
    const late = await promoter('r-3', 'pro@example.com', 89);
    expect(late.actions).toEqual([]);
    expect(late.skipped['promoter-advocacy']).toBe('throttled: already fired for this respondent at 2026-01-01T00:00:00.000Z');

    // Someone else, inside the first person's window: fires.
    const other = await promoter('r-4', 'other@example.com', 30);
    expect(other.actions).toEqual([['intercom.trackEvent', 'sandboxed', `${other.id}:promoter-advocacy:event`]]);

    // After 90 days: fires again, and the new period starts from day 91.
    const after = await promoter('r-5', 'pro@example.com', 91);
    expect(after.actions).toEqual([['intercom.trackEvent', 'sandboxed', `${after.id}:promoter-advocacy:event`]]);
    const next = await promoter('r-6', 'pro@example.com', 120);
    expect(next.actions).toEqual([]);
    expect(next.skipped['promoter-advocacy']).toBe(`throttled: already fired for this respondent at ${new Date(T0.getTime() + 91 * DAY).toISOString()}`);
  });

  it('without an email, each response is its own respondent (never throttled by another)', async () => {
    const recipes = parseRecipes(
      [{ file: 'thanks.yaml', text: 'name: thanks\nwhen: response.score >= 9\nthrottle:\n  period: 30d\nactions:\n  - id: post\n    action: slack.postMessage\n    params: { channel: "#wins", text: "{{ response.score }}" }\n' }],
      new Set(actionRegistry().keys()),
    );
    hub = makeTestHub({ now: () => T0, recipes });
    const ids: string[] = [];
    for (const body of [{ response_id: 'anon-1', score: 9 }, { response_id: 'anon-2', score: 10 }, { response_id: 'named-1', score: 9, email: 'n@example.com' }, { response_id: 'named-2', score: 9, email: 'n@example.com' }]) {
      ids.push(((await (await postWebhook(hub, 'generic', body)).json()) as { id: string }).id);
      await hub.loop.drain();
    }
    const fired = await Promise.all(ids.map(async (id) => (await hub.store.listJobs({ responseId: id, limit: 10 })).filter((j) => j.type === 'action').length));
    expect(fired).toEqual([1, 1, 1, 0]);
  });

  it('replanning the same response is not throttled by its own earlier run', async () => {
    hub = makeTestHub({ now: () => T0 });
    const res = await postWebhook(hub, 'generic', { response_id: 'self', score: 9, email: 'self@example.com' });
    const { id } = (await res.json()) as { id: string };
    await hub.loop.drain();
    expect(await hub.store.lastRecipeRun('promoter-advocacy', 'email:self@example.com', id)).toBeUndefined();
  });
});
