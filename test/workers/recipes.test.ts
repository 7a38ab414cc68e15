import { describe, expect, inject, it } from 'vitest';
import { ADMIN_TOKEN, testWorker } from './support.js';
import { comparableJobs, PARITY_PAYLOADS, type ComparableJob } from './recipe-parity.js';

describe('the shipped recipes on the Worker', () => {
  it('plan the same jobs as on Node for the same webhooks (sandbox mode: every connector records its request)', async () => {
    const node = inject('nodeRecipeJobs');
    const worker = testWorker({ CLOSELOOP_ADMIN_TOKEN: ADMIN_TOKEN });
    for (const payload of PARITY_PAYLOADS) {
      const res = await worker.postJson('generic', payload);
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect(await worker.drain()).toEqual([]);
      const planned = comparableJobs(id, payload.response_id, (await worker.jobsOf(id)) as ComparableJob[]);
      expect(planned, payload.response_id).toEqual(node[payload.response_id]);
    }
    // The comparison is not empty: the detractor gets a ticket, an alert and a verbatim.
    expect(node['parity-detractor']!.map((j) => j.action ?? 'plan').sort()).toEqual(['plan', 'slack.postMessage', 'slack.postMessage', 'zendesk.createTicket']);
    expect(node['parity-promoter']!.map((j) => j.action).filter(Boolean).sort()).toEqual(['intercom.trackEvent', 'slack.postMessage']);
  });
});
