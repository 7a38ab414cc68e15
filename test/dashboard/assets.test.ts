import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASSETS_MODULE, dashboardAssetsModule } from '../../scripts/build-dashboard-assets.js';
import { DASHBOARD_ASSETS } from '../../src/dashboard/assets.generated.js';
import { makeTestHub } from '../support/hub.js';

describe('the dashboard assets module', () => {
  it('is what the build script writes from src/dashboard/client (run npm run dashboard:assets)', async () => {
    expect(readFileSync(ASSETS_MODULE, 'utf8')).toBe(await dashboardAssetsModule());
  });

  it('is served by the app from memory, under a hashed name cached for good', async () => {
    const hub = makeTestHub();
    try {
      const js = await hub.app.request(`/assets/dashboard.${DASHBOARD_ASSETS.hash}.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await js.text()).toBe(DASHBOARD_ASSETS.js);
      const css = await hub.app.request(`/assets/dashboard.${DASHBOARD_ASSETS.hash}.css`);
      expect(await css.text()).toContain('.uplot');
      // An old hash is gone: the API's JSON 404, not a stale script.
      expect((await hub.app.request('/assets/dashboard.000000000000.js')).status).toBe(404);
    } finally {
      await hub.cleanup();
    }
  });
});
