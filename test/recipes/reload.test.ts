import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { watchRecipes } from '../../src/runtime/node/recipe-watcher.js';
import { startServer } from '../../src/runtime/node/serve.js';
import { makeTestHub, postWebhook } from '../support/hub.js';

/** A recipe posting to Slack; `throttle` makes planning wait on the store between recipes. */
const recipe = (name: string, when = 'true') =>
  `name: ${name}\nwhen: ${JSON.stringify(when)}\nthrottle: { period: 1m }\nactions:\n  - id: post\n    action: slack.postMessage\n    params: { channel: "#${name}", text: "{{ response.score }}" }\n`;

/** A logger that keeps what it is told. */
function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const log: Logger = {
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => log,
  };
  return { log, lines };
}

let dir: string;
let hub: ReturnType<typeof makeTestHub> | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-reload-'));
});
afterEach(async () => {
  await hub?.cleanup();
  hub = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function post(responseId: string) {
  const res = await postWebhook(hub!, 'generic', { response_id: responseId, score: 4, email: `${responseId}@example.com` });
  return ((await res.json()) as { id: string }).id;
}
const recipesOf = async (id: string) => (await hub!.store.listVerdicts(id)).map((v) => v.recipe);

describe('recipes reload without a restart', () => {
  it('all files valid: the new set is swapped in, and the next response is planned with it', async () => {
    writeFileSync(join(dir, 'a.yaml'), recipe('alpha'));
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir } });
    const before = await post('r-1');
    await hub.loop.drain();

    writeFileSync(join(dir, 'b.yaml'), recipe('beta'));
    const outcome = await hub.reloadRecipes();
    expect(outcome.reloaded).toBe(true);
    expect(hub.recipes.current().map((r) => r.name)).toEqual(['alpha', 'beta']);
    const after = await post('r-2');
    await hub.loop.drain();
    expect(await recipesOf(before)).toEqual(['alpha']);
    expect(await recipesOf(after)).toEqual(['alpha', 'beta']);
  });

  it('any file invalid: the running set stays whole, the error is logged and sent to the alert channel, once', async () => {
    writeFileSync(join(dir, 'a.yaml'), recipe('alpha'));
    const { log, lines } = recordingLogger();
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_ALERT_CHANNEL: '#ops', SLACK_BOT_TOKEN: 'xoxb-reload' }, log });
    const running = hub.recipes.current();

    // One good new file and one broken one: neither is taken (never half-loaded).
    writeFileSync(join(dir, 'b.yaml'), recipe('beta'));
    writeFileSync(join(dir, 'c.yaml'), recipe('gamma', 'respnse.score <= 6'));
    const problem = `${join(dir, 'c.yaml')}:2:8 when: condition never matches: unknown variable "respnse"; conditions see response, account, contact`;
    expect(await hub.reloadRecipes()).toEqual({ reloaded: false, error: problem });
    expect(hub.recipes.current()).toBe(running);
    const id = await post('r-3');
    await hub.loop.drain();
    expect(await recipesOf(id)).toEqual(['alpha']);

    expect(lines.filter((l) => l.level === 'error')).toEqual([{ level: 'error', obj: { problems: problem }, msg: `recipes not reloaded, the running recipes stay: ${problem}` }]);
    const alerts = (await hub.store.listJobs({ limit: 50 })).filter((j) => j.key.startsWith('alert:recipes:'));
    expect(alerts.map((j) => [j.action, j.params])).toEqual([
      ['slack.postMessage', { channel: '#ops', text: 'closeloop: recipes not reloaded — the running recipes stay', fields: [], quote: problem, context: 'Fix the files and save again, or run closeloop check' }],
    ]);

    // Saved again with the same mistake: not told twice. Fixed: swapped in.
    await hub.reloadRecipes();
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    writeFileSync(join(dir, 'c.yaml'), recipe('gamma', 'response.score <= 6'));
    expect((await hub.reloadRecipes()).reloaded).toBe(true);
    expect(hub.recipes.current().map((r) => r.name)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('responses planned while sets are swapped back and forth each see one whole set, never a mix', async () => {
    writeFileSync(join(dir, 'a1.yaml'), recipe('a-one'));
    writeFileSync(join(dir, 'a2.yaml'), recipe('a-two'));
    writeFileSync(join(dir, 'a3.yaml'), recipe('a-three'));
    hub = makeTestHub({ env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_CONCURRENCY: '8' } });
    const setA = hub.recipes.current();
    rmSync(join(dir, 'a1.yaml'));
    rmSync(join(dir, 'a2.yaml'));
    rmSync(join(dir, 'a3.yaml'));
    writeFileSync(join(dir, 'b1.yaml'), recipe('b-one'));
    writeFileSync(join(dir, 'b2.yaml'), recipe('b-two'));
    await hub.reloadRecipes();
    const setB = hub.recipes.current();

    // The store answers the throttle look-up a turn later, as D1 does over the network.
    const lastRecipeRun = hub.store.lastRecipeRun.bind(hub.store);
    hub.store.lastRecipeRun = async (...args) => {
      await new Promise((r) => setImmediate(r));
      return lastRecipeRun(...args);
    };
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await post(`c-${i}`));
    // Swap on every turn of the event loop while the plans run (each awaits the store between recipes).
    let swapping = true;
    let flips = 0;
    const flip = () => {
      if (!swapping) return;
      hub!.recipes.replace(flips++ % 2 ? setA : setB);
      setImmediate(flip);
    };
    flip();
    await hub.loop.drain();
    swapping = false;

    const seen = new Set<string>();
    for (const id of ids) {
      const names = (await recipesOf(id)).join(',');
      seen.add(names);
      expect(['a-one,a-two,a-three', 'b-one,b-two']).toContain(names);
    }
    // Both sets were used: the swaps did happen during planning.
    expect(seen.size).toBe(2);
    expect(flips).toBeGreaterThan(10);
  });
});

describe('what triggers a reload (Node)', () => {
  it('a burst of file changes in the folder is one reload, after the folder is quiet', async () => {
    let calls = 0;
    const stop = watchRecipes({ dir, onChange: () => calls++, debounceMs: 100 });
    try {
      for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'x.yaml'), recipe(`x${i}`));
      writeFileSync(join(dir, 'notes.txt'), 'not a recipe');
      await new Promise((r) => setTimeout(r, 600));
      expect(calls).toBe(1);
    } finally {
      stop();
    }
  });

  it('serve reloads on SIGHUP', async () => {
    writeFileSync(join(dir, 'a.yaml'), recipe('alpha'));
    const { log } = recordingLogger();
    const { hub: served, server } = await startServer({ env: { CLOSELOOP_RECIPES: dir, CLOSELOOP_DB: join(dir, 'hub.db'), PORT: '18991', HOST: '127.0.0.1' }, log });
    try {
      writeFileSync(join(dir, 'b.yaml'), recipe('beta'));
      process.emit('SIGHUP', 'SIGHUP');
      await new Promise((r) => setTimeout(r, 50));
      expect(served.recipes.current().map((r) => r.name)).toEqual(['alpha', 'beta']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await served.close();
    }
  });
});
