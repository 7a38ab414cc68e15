// Global setup of the workers project, run in Node: the shipped recipes' jobs for the parity
// payloads as the Node hub (SQLite) plans them, handed to recipes.test.ts (inside workerd).
import type { TestProject } from 'vitest/node';
import { adminRequest, makeTestHub, postWebhook } from '../support/hub.js';
import { comparableJobs, PARITY_PAYLOADS, type ComparableJob } from './recipe-parity.js';

export default async function nodeRecipeJobs(project: TestProject) {
  const hub = makeTestHub();
  try {
    const planned: Record<string, ComparableJob[]> = {};
    for (const payload of PARITY_PAYLOADS) {
      const res = await postWebhook(hub, 'generic', payload);
      const { id } = (await res.json()) as { id: string };
      await hub.loop.drain();
      const body = (await (await adminRequest(hub, `/api/responses/${id}`)).json()) as { jobs: ComparableJob[] };
      planned[payload.response_id] = comparableJobs(id, payload.response_id, body.jobs);
    }
    project.provide('nodeRecipeJobs', planned);
  } finally {
    await hub.cleanup();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    nodeRecipeJobs: Record<string, ComparableJob[]>;
  }
}
