// The same webhooks for the Node hub (test/workers/node-recipe-jobs.ts, in Node) and the Worker
// (recipes.test.ts, in workerd), and the jobs each planned, comparable across the two.

/** Generic-source bodies covering each shipped recipe's branches. */
export const PARITY_PAYLOADS = [
  { response_id: 'parity-detractor', score: 2, comment: 'Support never answered', email: 'dana@example.com', name: 'Dana Reyes' },
  { response_id: 'parity-anonymous-detractor', score: 5, comment: 'Too expensive' },
  { response_id: 'parity-passive', score: 7, comment: 'Fine, mostly', email: 'pat@example.com' },
  { response_id: 'parity-promoter', score: 10, comment: 'Love the exports', email: 'maya@example.com', name: 'Maya Okonkwo' },
  { response_id: 'parity-silent-promoter', score: 9 },
] as const;

export interface ComparableJob {
  key: string;
  type: string;
  recipe: string | null;
  actionId: string | null;
  action: string | null;
  params: unknown;
  status: string;
  maxAttempts: number;
}

/** A response's jobs with its id (random on each runtime) replaced by the payload's, sorted by key. */
export function comparableJobs(responseId: string, payloadId: string, jobs: ComparableJob[]): ComparableJob[] {
  const swap = (value: unknown) => JSON.parse(JSON.stringify(value ?? null).replaceAll(responseId, payloadId)) as unknown;
  return jobs
    .map((j) => ({ key: j.key.replaceAll(responseId, payloadId), type: j.type, recipe: j.recipe, actionId: j.actionId, action: j.action, params: swap(j.params), status: j.status, maxAttempts: j.maxAttempts }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
