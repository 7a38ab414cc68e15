import { afterEach, describe, expect, it } from 'vitest';
import { makeTestHub, postWebhook } from '../support/hub.js';

describe('the runner shares the event loop with ingest', () => {
  let hub: ReturnType<typeof makeTestHub>;
  afterEach(() => hub.cleanup());

  it('starts the jobs of a claimed batch one per turn of the event loop, so webhooks are read between them', async () => {
    hub = makeTestHub({ env: { CLOSELOOP_CONCURRENCY: '8' } });
    for (let n = 0; n < 8; n++) expect((await postWebhook(hub, 'generic', { response_id: `turns-${n}`, score: n })).status).toBe(202);

    // Count event-loop turns (a setImmediate chain), and note the turn in which each plan job
    // begins: its first step reads the response.
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn += 1;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const startedIn: number[] = [];
    const getResponse = hub.store.getResponse.bind(hub.store);
    hub.store.getResponse = (id) => (startedIn.push(turn), getResponse(id));

    await hub.loop.drain();
    counting = false;

    expect(startedIn).toHaveLength(8);
    // Eight different turns, in order: never two plans back to back in one turn.
    expect(new Set(startedIn).size).toBe(8);
    expect(startedIn).toEqual([...startedIn].sort((a, b) => a - b));
  });
});
