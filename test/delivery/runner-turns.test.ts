import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';

describe('the runner shares the event loop with ingest', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(() => hub.cleanup());

  it('starts the jobs of a claimed batch one per turn of the event loop, so webhooks are read between them', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_CONCURRENCY: '8' } });
    const ids: string[] = [];
    for (let n = 0; n < 8; n++) {
      const res = await postWebhook(hub, 'generic', { response_id: `turns-${n}`, score: n });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }

    // Count event-loop turns (a setImmediate chain). A plan job begins by reading its response;
    // note in which turn each one does, and in which turn a webhook posted meanwhile is stored.
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn += 1;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const started: [number, string][] = [];
    const getResponse = hub.store.getResponse.bind(hub.store);
    hub.store.getResponse = (id) => (started.push([turn, id]), getResponse(id));
    let storedIn = -1;
    const ingest = hub.store.ingest.bind(hub.store);
    hub.store.ingest = (input) => ((storedIn = turn), ingest(input));

    const draining = hub.loop.drain();
    // Sent once the first plan has started, while the other seven wait for their turns.
    const late = new Promise<Response>((resolve) => {
      const wait = () => (started.length > 0 ? resolve(postWebhook(hub, 'generic', { response_id: 'turns-late', score: 9 })) : setImmediate(wait));
      wait();
    });
    expect((await late).status).toBe(202);
    await draining;
    counting = false;

    // All eight, in the order they were claimed (oldest first), each in a turn of its own.
    expect(started.slice(0, 8).map(([, id]) => id)).toEqual(ids);
    expect(new Set(started.slice(0, 8).map(([t]) => t)).size).toBe(8);
    // The webhook was read and stored before the last of the batch had started.
    expect(storedIn).toBeLessThan(started[7]![0]);
  });
});
