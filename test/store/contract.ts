/**
 * The Store contract: the same behavioural cases for every driver under {@link SqlStore}
 * (better-sqlite3 in Node, D1 inside workerd), so the two cannot drift apart. Only vitest and
 * runtime-agnostic sources here: this file runs unchanged in workerd.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job, NewJob } from '../../src/core/job.js';
import { emptyEnrichment } from '../../src/core/account.js';
import { NormalizedResponse } from '../../src/core/response.js';
import { segmentsOf } from '../../src/insights/segments.js';
import type { LoopEvent } from '../../src/loops/loop-event.js';
import type { RecipeVerdict } from '../../src/recipes/verdict.js';
import type { IngestInput, Store } from '../../src/store/store.js';

export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

// The store stamps ingest with its own clock: job times are set an hour past it, so that a
// response's plan job (due at its arrival) is due at them.
const base = Date.now() + 3_600_000;
const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();

const response = (id: string, fields: Record<string, unknown> = {}) =>
  NormalizedResponse.parse({ source: 'generic', sourceResponseId: id, score: 3, comment: 'Slow exports', ...fields });
const input = (id: string, fields: Record<string, unknown> = {}, marks?: IngestInput['marks']): IngestInput => ({
  response: response(id, fields),
  rawBody: JSON.stringify({ id, ...fields }),
  contentType: 'application/json',
  ...(marks ? { marks } : {}),
});
const actionJob = (key: string, responseId: string, runAtSeconds = 0, fields: Partial<NewJob> = {}): NewJob => ({
  key,
  type: 'action',
  responseId,
  recipe: 'detractor-follow-up',
  actionId: key,
  action: 'slack.postMessage',
  params: { channel: '#nps' },
  maxAttempts: 5,
  runAt: at(runAtSeconds),
  ...fields,
});
const attemptOf = (job: Job, seconds: number) => ({ jobId: job.id, attempt: job.attempts, startedAt: at(seconds), finishedAt: at(seconds) });
const verdict = (responseId: string, recipe: string, version = 1): RecipeVerdict => ({
  responseId,
  responseVersion: version,
  recipe,
  verdict: 'matched',
  reason: 'score <= 6',
  skippedActions: [],
  plannedAt: at(1),
});

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(() => subject.close());

    /** Claim whatever is due at `seconds`, with a 30 s lease. */
    const claim = (seconds = 0, limit = 10) => store.claimJobs({ now: at(seconds), limit, leaseUntil: at(seconds + 30) });
    /** Ingest a response and claim its plan job. */
    const planned = async (id: string, fields: Record<string, unknown> = {}) => {
      const { id: responseId } = await store.ingest(input(id, fields));
      const plan = (await claim()).find((j) => j.key === `plan:${responseId}`)!;
      expect(plan).toBeDefined();
      return { responseId, plan };
    };

    describe('ingest', () => {
      it('stores a new response with its raw body, at version 1, and writes no job yet', async () => {
        const result = await store.ingest(input('r-1', { respondent: { email: 'Ann@Example.com' } }));
        expect(result).toEqual({ id: expect.any(String), duplicate: false, version: 1 });
        expect(await store.getResponse(result.id)).toMatchObject({ id: result.id, version: 1, source: 'generic', sourceResponseId: 'r-1', score: 3, category: 'detractor', respondent: { email: 'ann@example.com' } });
        expect(await store.getRawBody(result.id)).toEqual({ body: JSON.stringify({ id: 'r-1', respondent: { email: 'Ann@Example.com' } }), contentType: 'application/json' });
        expect(await store.listJobs({ responseId: result.id, limit: 10 })).toEqual([]);
        expect((await store.queueStats(at(0))).unplanned).toBe(1);
        expect((await store.listResponsesByEmail('ANN@example.com ', 10)).map((r) => r.id)).toEqual([result.id]);
      });

      it('an identical resend is a duplicate: nothing changes, nothing is planned', async () => {
        const first = await store.ingest(input('r-1'));
        expect(await store.ingest(input('r-1'))).toEqual({ id: first.id, duplicate: true, version: 1 });
        expect((await store.listResponses({ limit: 10 })).map((r) => r.id)).toEqual([first.id]);
        expect((await store.queueStats(at(0))).unplanned).toBe(1);
      });

      it('a changed resend bumps the version, keeps the history, and enqueues plan:<id>:v2 at once', async () => {
        const first = await store.ingest(input('r-1'));
        const second = await store.ingest(input('r-1', { comment: 'Slow exports, and the API times out' }));
        expect(second).toEqual({ id: first.id, duplicate: false, updated: true, version: 2 });
        expect(await store.getResponse(first.id)).toMatchObject({ version: 2, comment: 'Slow exports, and the API times out' });
        expect((await store.getResponseVersion(first.id, 1))?.comment).toBe('Slow exports');
        expect((await store.getResponseVersion(first.id, 2))?.comment).toBe('Slow exports, and the API times out');
        expect(await store.getRawBody(first.id)).toMatchObject({ body: JSON.stringify({ id: 'r-1', comment: 'Slow exports, and the API times out' }) });
        expect((await store.listJobs({ responseId: first.id, limit: 10 })).map((j) => [j.key, j.type, j.responseVersion])).toEqual([[`plan:${first.id}:v2`, 'plan', 2]]);
        // The resend of version 2 is a duplicate now; a third content is version 3.
        expect(await store.ingest(input('r-1', { comment: 'Slow exports, and the API times out' }))).toMatchObject({ duplicate: true, version: 2 });
        expect(await store.ingest(input('r-1', { score: 9 }))).toMatchObject({ updated: true, version: 3 });
        expect((await claim()).map((j) => j.key).sort()).toEqual([`plan:${first.id}`, `plan:${first.id}:v2`, `plan:${first.id}:v3`].sort());
      });

      it('concurrent deliveries: one new response stored once; two changed resends become versions 2 and 3, each planned', async () => {
        const [a, b] = await Promise.all([store.ingest(input('r-1')), store.ingest(input('r-1'))]);
        expect([a!.duplicate, b!.duplicate].sort()).toEqual([false, true]);
        expect(a!.id).toBe(b!.id);
        // Both read version 1; the second writer's batch finds it moved, reads again and writes version 3.
        const updates = await Promise.all([store.ingest(input('r-1', { comment: 'Second' })), store.ingest(input('r-1', { comment: 'Third' }))]);
        expect(updates.map((u) => u.version).sort()).toEqual([2, 3]);
        expect(updates.every((u) => u.updated)).toBe(true);
        const latest = updates.find((u) => u.version === 3)!;
        expect((await store.getResponse(a!.id))?.version).toBe(3);
        expect((await store.getResponseVersion(a!.id, 3))?.comment).toBe((await store.getResponse(latest.id))?.comment);
        expect((await store.listJobs({ responseId: a!.id, limit: 10 })).map((j) => j.key).sort()).toEqual([`plan:${a!.id}:v2`, `plan:${a!.id}:v3`]);
      });

      it('a replayed body of an earlier version, or an older revision, is stale: refused, nothing stored', async () => {
        const first = await store.ingest(input('r-1', {}, { digest: 'd1', revision: 100 }));
        expect(await store.ingest(input('r-1', { comment: 'Better now' }, { digest: 'd2', revision: 200 }))).toMatchObject({ updated: true, version: 2 });
        const replay = await store.ingest(input('r-1', {}, { digest: 'd1', revision: 100 }));
        expect(replay).toMatchObject({ id: first.id, duplicate: false, version: 2, stale: expect.stringContaining('version 1') });
        const older = await store.ingest(input('r-1', { comment: 'In between' }, { digest: 'd3', revision: 150 }));
        expect(older).toMatchObject({ id: first.id, duplicate: false, version: 2, stale: expect.stringContaining('150 < 200') });
        expect(await store.getResponse(first.id)).toMatchObject({ version: 2, comment: 'Better now' });
        // The same body as the current version, whatever its content compares as: a duplicate.
        expect(await store.ingest(input('r-1', { comment: 'Better now' }, { digest: 'd2', revision: 200 }))).toMatchObject({ duplicate: true, version: 2 });
      });

      it('a response erased at the respondent\'s request is refused when sent again', async () => {
        const first = await store.ingest(input('r-1', { respondent: { email: 'ann@example.com' } }));
        expect((await store.forgetRespondent('ann@example.com', at(1))).erased.responses).toBe(1);
        expect(await store.getResponse(first.id)).toBeUndefined();
        expect(await store.ingest(input('r-1', { respondent: { email: 'ann@example.com' } }))).toEqual({ id: '', duplicate: false, erased: true });
        expect(await store.listResponses({ limit: 10 })).toEqual([]);
        // Another response of the same source is stored as usual.
        expect(await store.ingest(input('r-2'))).toMatchObject({ duplicate: false, version: 1 });
      });

      it('a stub completed from the vendor keeps its version, and a resend of the stub stays a duplicate', async () => {
        const stub = await store.ingest(input('r-1', { score: null, extra: { pendingFetch: true } }));
        expect(await store.completeResponse(stub.id, 1, response('r-1', { score: 2, comment: 'Fetched' }))).toBe(true);
        expect(await store.getResponse(stub.id)).toMatchObject({ version: 1, score: 2, comment: 'Fetched' });
        expect(await store.ingest(input('r-1', { score: null, extra: { pendingFetch: true } }))).toMatchObject({ duplicate: true, version: 1 });
        // A fetch for a version that was replaced meanwhile completes only its history.
        await store.ingest(input('r-1', { score: 7 }));
        expect(await store.completeResponse(stub.id, 1, response('r-1', { score: 1, comment: 'Late fetch' }))).toBe(false);
        expect(await store.getResponse(stub.id)).toMatchObject({ version: 2, score: 7 });
        expect((await store.getResponseVersion(stub.id, 1))?.comment).toBe('Late fetch');
      });
    });

    describe('the job queue', () => {
      it('a claim writes the plan jobs of unplanned responses and claims them with the due jobs, oldest first', async () => {
        await store.enqueueJobs([actionJob('later', 'r-x', 20)]);
        const a = await store.ingest(input('r-1'));
        const b = await store.ingest(input('r-2'));
        const claimed = await claim(0);
        expect(claimed.map((j) => [j.key, j.status, j.attempts, j.leaseUntil])).toEqual([
          [`plan:${a.id}`, 'running', 1, at(30)],
          [`plan:${b.id}`, 'running', 1, at(30)],
        ]);
        expect(claimed[0]).toMatchObject({ type: 'plan', responseId: a.id, responseVersion: 1, params: null });
        expect((await store.queueStats(at(0))).unplanned).toBe(0);
        // Written once: nothing more to claim until `later` is due.
        expect(await claim(1)).toEqual([]);
        expect((await claim(20)).map((j) => j.key)).toEqual(['later']);
      });

      it('a claim writes at most its limit of plan jobs; the rest wait, counted', async () => {
        for (const id of ['r-1', 'r-2', 'r-3']) await store.ingest(input(id));
        expect(await claim(0, 2)).toHaveLength(2);
        expect(await store.queueStats(at(0))).toMatchObject({ unplanned: 1, byStatus: { running: 2 } });
        expect(await claim(0, 10)).toHaveLength(1);
        expect((await store.queueStats(at(0))).unplanned).toBe(0);
      });

      it('a job whose lease expired is claimed again; the runner that lost it cannot finish it', async () => {
        await store.enqueueJobs([actionJob('a', 'r-x')]);
        const [first] = await claim(0);
        expect(first).toMatchObject({ key: 'a', attempts: 1, leaseUntil: at(30) });
        expect(await claim(10)).toEqual([]);
        await store.extendLeases([{ id: first!.id, attempts: 1 }], at(50));
        expect(await claim(40)).toEqual([]);
        const [again] = await claim(60);
        expect(again).toMatchObject({ id: first!.id, attempts: 2, leaseUntil: at(90) });
        // The first runner's late result changes nothing; the second one's counts.
        await store.finishAttempt(first!, attemptOf(first!, 61), { outcome: 'succeeded' });
        expect(await store.getJob(first!.id)).toMatchObject({ status: 'running', attempts: 2 });
        await store.finishAttempt(again!, attemptOf(again!, 62), { outcome: 'succeeded', result: { remoteId: 't-1' } });
        expect(await store.getJob(first!.id)).toMatchObject({ status: 'succeeded', result: { remoteId: 't-1' }, leaseUntil: null });
      });

      it('finishAttempt: succeeded, retry at a later time with the error, dead; each attempt recorded', async () => {
        await store.enqueueJobs([actionJob('ok', 'r-x'), actionJob('flaky', 'r-x'), actionJob('bad', 'r-x')]);
        const [ok, flaky, bad] = await claim(0);
        await store.finishAttempt(ok!, attemptOf(ok!, 1), { outcome: 'succeeded', result: { ts: '1.2' } });
        await store.finishAttempt(flaky!, attemptOf(flaky!, 1), { outcome: 'retry', error: 'HTTP 503', remoteStatus: 503, runAt: at(120) });
        await store.finishAttempt(bad!, attemptOf(bad!, 1), { outcome: 'dead', error: 'HTTP 400', remoteStatus: 400 });
        expect(await store.getJob(ok!.id)).toMatchObject({ status: 'succeeded', result: { ts: '1.2' } });
        expect(await store.getJob(flaky!.id)).toMatchObject({ status: 'queued', runAt: at(120), lastError: 'HTTP 503', attempts: 1 });
        expect(await store.getJob(bad!.id)).toMatchObject({ status: 'dead', lastError: 'HTTP 400' });
        expect(await store.listAttempts(flaky!.id)).toEqual([{ jobId: flaky!.id, attempt: 1, startedAt: at(1), finishedAt: at(1), outcome: 'retry', error: 'HTTP 503', remoteStatus: 503 }]);
        expect(await claim(60)).toEqual([]);
        expect((await claim(120)).map((j) => [j.key, j.attempts])).toEqual([['flaky', 2]]);
        expect((await store.queueStats(at(120))).byStatus).toEqual({ queued: 0, running: 1, succeeded: 1, sandboxed: 0, dead: 1, cancelled: 0 });
      });

      it('releaseJob gives a claimed job back without counting the attempt', async () => {
        await store.enqueueJobs([actionJob('a', 'r-x')]);
        const [job] = await claim(0);
        await store.releaseJob(job!, at(45), at(1));
        expect(await store.getJob(job!.id)).toMatchObject({ status: 'queued', attempts: 0, runAt: at(45), leaseUntil: null });
        expect(await store.listAttempts(job!.id)).toEqual([]);
        expect((await claim(45)).map((j) => [j.key, j.attempts])).toEqual([['a', 1]]);
      });

      it('enqueueJobs ignores a job whose key exists, and returns the ids of those inserted', async () => {
        const ids = await store.enqueueJobs([actionJob('a', 'r-x'), actionJob('b', 'r-x')]);
        expect(ids).toHaveLength(2);
        const again = await store.enqueueJobs([actionJob('a', 'r-x', 99), actionJob('c', 'r-x')]);
        expect(again).toHaveLength(1);
        expect((await store.getJob(again[0]!))?.key).toBe('c');
        expect((await store.listJobs({ limit: 10 })).map((j) => j.key).sort()).toEqual(['a', 'b', 'c']);
        expect((await store.listJobs({ status: 'queued', action: 'slack.postMessage', limit: 10 })).map((j) => j.key)).toEqual(['c', 'b', 'a']);
        expect(await store.enqueueJobs([])).toEqual([]);
      });

      it('dead jobs are listed by filter and replayed with a fresh budget, once', async () => {
        await store.enqueueJobs([actionJob('z', 'r-x', 0, { action: 'zendesk.createTicket' }), actionJob('s', 'r-x')]);
        const [z, s] = await claim(0);
        await store.finishAttempt(z!, attemptOf(z!, 1), { outcome: 'dead', error: 'HTTP 422' });
        await store.finishAttempt(s!, attemptOf(s!, 2), { outcome: 'dead', error: 'HTTP 404' });
        expect(await store.listDeadJobIds({})).toEqual([z!.id, s!.id]);
        expect(await store.listDeadJobIds({ connector: 'zendesk' })).toEqual([z!.id]);
        expect(await store.listDeadJobIds({ connector: 'zen' })).toEqual([]);
        expect(await store.listDeadJobIds({ action: 'slack.postMessage' })).toEqual([s!.id]);
        expect(await store.listDeadJobIds({ since: at(3600) })).toEqual([]);
        expect(await store.replayJobs([z!.id, 'no-such-job'], at(5))).toBe(1);
        expect(await store.getJob(z!.id)).toMatchObject({ status: 'queued', attempts: 0, runAt: at(5), lastError: 'HTTP 422', replayedAt: at(5) });
        expect(await store.replayJobs([z!.id], at(6))).toBe(0);
        const [replayed] = await claim(10);
        await store.finishAttempt(replayed!, attemptOf(replayed!, 11), { outcome: 'succeeded' });
        // The history is kept: the replayed attempt is numbered after the first.
        expect((await store.listAttempts(z!.id)).map((a) => [a.attempt, a.outcome])).toEqual([[1, 'dead'], [2, 'succeeded']]);
      });

      it('queueStats: jobs by status, unplanned responses, and the ages of the oldest waiting and pending', async () => {
        expect(await store.queueStats(at(0))).toEqual({ byStatus: { queued: 0, running: 0, succeeded: 0, sandboxed: 0, dead: 0, cancelled: 0 }, unplanned: 0, oldestWaitingSeconds: null, oldestPendingSeconds: null });
        await store.enqueueJobs([actionJob('a', 'r-x', 0), actionJob('b', 'r-x', 100)]);
        const stats = await store.queueStats(at(50));
        expect(stats.byStatus.queued).toBe(2);
        expect(stats.oldestWaitingSeconds).toBe(50);
        expect(stats.oldestPendingSeconds).toBeGreaterThan(0);
      });
    });

    describe('plans', () => {
      it('commitPlan writes the jobs, throttle marks, verdicts, tags and segments and finishes the plan job, all at once', async () => {
        const { responseId, plan } = await planned('r-1', { respondent: { email: 'ann@example.com' } });
        const committed = await store.commitPlan(
          {
            planJobId: plan.id,
            responseId,
            jobs: [actionJob(`${responseId}:detractor-follow-up:alert`, responseId)],
            recipeRuns: [{ recipe: 'detractor-follow-up', respondentKey: 'ann@example.com', at: at(1) }],
            tags: { responseId, version: 1, themes: ['speed'], sentiment: -2, rules: 'rules-1' },
            verdicts: [verdict(responseId, 'detractor-follow-up'), { ...verdict(responseId, 'promoter-thanks'), verdict: 'not_matched', reason: 'score >= 9 is false' }],
            segments: segmentsOf((await store.getResponse(responseId))!, { ...emptyEnrichment().account, plan: 'pro' }, at(1)),
          },
          at(1),
        );
        expect(committed).toBe(true);
        expect(await store.getJob(plan.id)).toMatchObject({ status: 'succeeded', leaseUntil: null });
        expect((await store.listJobs({ responseId, limit: 10 })).map((j) => j.key).sort()).toEqual([`${responseId}:detractor-follow-up:alert`, `plan:${responseId}`].sort());
        expect((await store.listVerdicts(responseId)).map((v) => [v.recipe, v.verdict])).toEqual([
          ['detractor-follow-up', 'matched'],
          ['promoter-thanks', 'not_matched'],
        ]);
        expect(await store.lastRecipeRun('detractor-follow-up', 'ann@example.com', 'another-response')).toBe(at(1));
        expect(await store.lastRecipeRun('detractor-follow-up', 'ann@example.com', responseId)).toBeUndefined();
        expect(await store.lastRecipeRun('promoter-thanks', 'ann@example.com', 'another-response')).toBeUndefined();
        expect((await store.listVerbatims({ theme: 'speed', limit: 10 })).map((v) => [v.id, v.themes, v.sentiment])).toEqual([[responseId, ['speed'], -2]]);
        const byPlan = await store.segmentCounts({ metric: 'nps', dimension: { kind: 'column', name: 'plan' }, windows: [{ label: 'all', from: '2000-01-01T00:00:00.000Z', to: at(3600) }] });
        expect(byPlan).toEqual([{ window: 'all', value: 'pro', category: 'detractor', n: 1, scoreSum: 3, scoreSquares: 9 }]);
      });

      it('a plan that fails writes nothing (one batch)', async () => {
        const { responseId, plan } = await planned('r-1');
        const broken = { ...actionJob('broken', responseId), type: null as unknown as 'action' };
        await expect(
          store.commitPlan({ planJobId: plan.id, responseId, jobs: [actionJob('fine', responseId), broken], recipeRuns: [], verdicts: [verdict(responseId, 'detractor-follow-up')] }, at(1)),
        ).rejects.toThrow();
        expect((await store.listJobs({ responseId, limit: 10 })).map((j) => j.key)).toEqual([`plan:${responseId}`]);
        expect(await store.getJob(plan.id)).toMatchObject({ status: 'running' });
        expect(await store.listVerdicts(responseId)).toEqual([]);
      });

      it('commitPlan is refused, writing nothing, for a response erased while it was planned', async () => {
        const { responseId, plan } = await planned('r-1', { respondent: { email: 'ann@example.com' } });
        await store.forgetRespondent('ann@example.com', at(1));
        const committed = await store.commitPlan(
          {
            planJobId: plan.id,
            responseId,
            jobs: [actionJob('alert', responseId)],
            recipeRuns: [{ recipe: 'detractor-follow-up', respondentKey: 'ann@example.com', at: at(2) }],
            tags: { responseId, version: 1, themes: ['speed'], sentiment: -2, rules: 'rules-1' },
            verdicts: [verdict(responseId, 'detractor-follow-up')],
          },
          at(2),
        );
        expect(committed).toBe(false);
        expect(await store.listJobs({ limit: 10 })).toEqual([]);
        expect(await store.listVerdicts(responseId)).toEqual([]);
        expect(await store.lastRecipeRun('detractor-follow-up', 'ann@example.com', 'x')).toBeUndefined();
      });
    });

    describe('enrichment cache', () => {
      it('returns a value until it expires, replaces it, and drops entries expired when another is written', async () => {
        await store.putCachedEnrichment('hubspot:contact:ann@example.com', { plan: 'pro' }, at(0), at(60));
        expect(await store.getCachedEnrichment('hubspot:contact:ann@example.com', at(30))).toEqual({ plan: 'pro' });
        expect(await store.getCachedEnrichment('hubspot:contact:ann@example.com', at(60))).toBeUndefined();
        await store.putCachedEnrichment('hubspot:contact:ann@example.com', { plan: 'enterprise' }, at(10), at(100));
        expect(await store.getCachedEnrichment('hubspot:contact:ann@example.com', at(30))).toEqual({ plan: 'enterprise' });
        await store.putCachedEnrichment('hubspot:contact:bob@example.com', { plan: 'free' }, at(0), at(100));
        await store.forgetCachedEnrichment('Ann@Example.com');
        expect(await store.getCachedEnrichment('hubspot:contact:ann@example.com', at(30))).toBeUndefined();
        expect(await store.getCachedEnrichment('hubspot:contact:bob@example.com', at(30))).toEqual({ plan: 'free' });
      });
    });

    describe('campaigns', () => {
      it('cancel, in one batch: no wave released after it (approval or pause), its queued jobs cancelled, a running one left to finish (its retry cancelled); a second cancel changes nothing; a cancelled job is never replayed', async () => {
        const ids: string[] = [];
        for (const id of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) ids.push((await planned(id, { score: id === 'c-5' ? 9 : 10 })).responseId);
        const campaignId = 'campaign-cancel-1';
        const member = (responseId: string, wave: number, position: number) => ({
          wave,
          position,
          responseId,
          responseVersion: 1,
          respondent: null,
          score: wave === 1 ? 10 : 9,
          jobId: `job-${responseId}`,
          jobKey: `campaign:${campaignId}:${responseId}:slack.postMessage`,
          params: { channel: '#advocates', text: responseId },
          skipReason: null,
        });
        expect(
          await store.createCampaign({
            id: campaignId,
            name: 'cancel-me',
            action: 'slack.postMessage',
            definition: { name: 'cancel-me' },
            pauseMs: 3_600_000,
            maxAttempts: 5,
            createdAt: at(0),
            waves: [{ wave: 1, label: 'score 10' }, { wave: 2, label: 'score 9' }],
            members: [member(ids[0]!, 1, 0), member(ids[1]!, 1, 1), member(ids[2]!, 1, 2), member(ids[3]!, 1, 3), member(ids[4]!, 2, 0)],
          }),
        ).toEqual({ created: true, queued: 4 });
        // Wave 1: the first delivered, the second and third claimed by a runner, the fourth queued
        // (it died, and was replayed).
        const [sent] = await claim(0, 1);
        await store.finishAttempt(sent!, attemptOf(sent!, 1), { outcome: 'succeeded' });
        const [sending, waiting, replayed] = await claim(1, 3);
        expect([sent!.id, sending!.id, waiting!.id, replayed!.id]).toEqual([`job-${ids[0]}`, `job-${ids[1]}`, `job-${ids[2]}`, `job-${ids[3]}`]);
        await store.finishAttempt(replayed!, attemptOf(replayed!, 1), { outcome: 'dead', error: 'HTTP 404' });
        expect(await store.replayJobs([replayed!.id], at(1))).toBe(1);
        expect((await store.pausedCampaignWaves()).map((w) => [w.campaignId, w.wave])).toEqual([[campaignId, 2]]);

        expect(await store.cancelCampaign({ campaignId, now: at(2), by: 'api', reason: 'complaints after wave 1' })).toEqual({ cancelled: true, jobsCancelled: 1, stillRunning: 2, alreadyDone: 1 });
        expect((await store.getCampaign('cancel-me'))!.cancelled).toEqual({ at: at(2), by: 'api', reason: 'complaints after wave 1' });
        expect((await store.campaignMembers(campaignId)).map((m) => [m.wave, m.status])).toEqual([
          [1, 'succeeded'],
          [1, 'running'],
          [1, 'running'],
          [1, 'cancelled'],
          [2, null],
        ]);
        expect((await store.campaignProgress(campaignId)).map((w) => [w.wave, w.queued, w.sent, w.cancelled, w.releasedAt])).toEqual([
          [1, 2, 1, 1, at(0)],
          [2, 0, 0, 0, null],
        ]);
        // No wave after a cancel: the pause sweep finds none, and a release (approval or pause) is refused.
        expect(await store.pausedCampaignWaves()).toEqual([]);
        expect(await store.releaseCampaignWave({ campaignId, wave: 2, now: at(7200), by: 'pause', previousReleasedBy: at(3600) })).toEqual({ released: false, queued: 0 });
        expect(await store.releaseCampaignWave({ campaignId, wave: 2, now: at(7200), by: 'approval' })).toEqual({ released: false, queued: 0 });
        // A cancelled job is not claimed (the running one keeps its lease until 31 s).
        expect(await claim(5)).toEqual([]);

        // Again: nothing more changes, the first cancel's reason is kept.
        expect(await store.cancelCampaign({ campaignId, now: at(3), by: 'cli', reason: 'again' })).toEqual({ cancelled: false, jobsCancelled: 0, stillRunning: 2, alreadyDone: 1 });
        expect((await store.getCampaign(campaignId))!.cancelled).toEqual({ at: at(2), by: 'api', reason: 'complaints after wave 1' });

        // A running attempt fails and asks for a retry, another is given back to wait for its rate
        // limit: each is cancelled instead, never sent again.
        await store.finishAttempt(sending!, attemptOf(sending!, 4), { outcome: 'retry', error: 'HTTP 503', runAt: at(60) });
        expect(await store.getJob(sending!.id)).toMatchObject({ status: 'cancelled', lastError: 'HTTP 503' });
        await store.releaseJob(waiting!, at(60), at(4));
        expect(await store.getJob(waiting!.id)).toMatchObject({ status: 'cancelled', attempts: 0 });
        expect(await claim(10)).toEqual([]);
        expect((await store.queueStats(at(10))).byStatus).toMatchObject({ cancelled: 3, queued: 0, succeeded: 1 });

        // Replay takes dead jobs only: a cancelled one stays cancelled.
        const cancelledIds = [`job-${ids[1]}`, `job-${ids[2]}`, `job-${ids[3]}`];
        expect(await store.listDeadJobIds({})).toEqual([]);
        expect(await store.replayJobs(cancelledIds, at(7300))).toBe(0);
        expect((await store.listJobs({ status: 'cancelled', limit: 10 })).map((j) => j.id).sort()).toEqual(cancelledIds.sort());
        // The replay's progress counts the one cancelled after its replay.
        expect(await store.replayProgress(at(1))).toEqual({ replayed: 1, queued: 0, running: 0, delivered: 0, dead: 0, cancelled: 1 });
      });

      it('a job of a cancelled campaign that ended dead is not replayed: the cancel holds against a replay of dead jobs', async () => {
        const { responseId } = await planned('cd-1', { score: 10 });
        const campaignId = 'campaign-cancel-dead';
        await store.createCampaign({
          id: campaignId,
          name: 'cancel-dead',
          action: 'slack.postMessage',
          definition: { name: 'cancel-dead' },
          pauseMs: null,
          maxAttempts: 5,
          createdAt: at(0),
          waves: [{ wave: 1, label: 'all' }],
          members: [{ wave: 1, position: 0, responseId, responseVersion: 1, respondent: null, score: 10, jobId: 'job-cd-1', jobKey: `campaign:${campaignId}:${responseId}:slack.postMessage`, params: { channel: '#advocates', text: 'hi' }, skipReason: null }],
        });
        const [job] = await claim(0, 1);
        // Cancelled while its attempt runs; the attempt then fails for good.
        expect((await store.cancelCampaign({ campaignId, now: at(1), by: 'cli', reason: null })).stillRunning).toBe(1);
        await store.finishAttempt(job!, attemptOf(job!, 2), { outcome: 'dead', error: 'HTTP 404' });
        expect(await store.getJob(job!.id)).toMatchObject({ status: 'dead' });
        expect(await store.replayJobs([job!.id], at(3))).toBe(0);
        expect(await store.getJob(job!.id)).toMatchObject({ status: 'dead', attempts: 1 });
        expect(await claim(10)).toEqual([]);
      });
    });

    describe('loops', () => {
      const event = (eventId: string, step: LoopEvent['step'], seconds: number, actor: string | null = 'Dana'): LoopEvent => ({
        source: 'zendesk',
        eventId,
        step,
        at: at(seconds),
        actor,
        target: { kind: 'zendesk-ticket', externalId: null, ticketId: '1' },
      });

      it('an event moves the loop forward, never back; a duplicate changes nothing; a response without an action has no loop', async () => {
        const { id } = await store.ingest(input('r-1'));
        await expect(store.recordLoopEvent(id, event('e-0', 'acknowledged', 5), at(5))).rejects.toThrow(/no loop/);
        expect(await store.getLoop(id)).toBeUndefined();
        const [ticket] = await store.enqueueJobs([actionJob(`${id}:detractor-follow-up:ticket`, id, 0, { action: 'zendesk.createTicket' })]);
        expect(await store.findLoopResponse({ kind: 'zendesk-ticket', externalId: `${id}:detractor-follow-up:ticket`, ticketId: '1' })).toBe(id);
        expect(ticket).toBeDefined();
        expect(await store.getLoop(id)).toMatchObject({ responseId: id, status: 'open', acknowledgedAt: null });

        // The event refused before (no loop then) was not recorded: it is not a duplicate now.
        expect(await store.recordLoopEvent(id, event('e-0', 'acknowledged', 20), at(20))).toMatchObject({ duplicate: false, loop: { status: 'acknowledged', acknowledgedAt: at(20), acknowledgedBy: 'Dana' } });
        // A later acknowledgement does not move it; an earlier one does.
        expect((await store.recordLoopEvent(id, event('e-1', 'acknowledged', 30, 'Eve'), at(30))).loop).toMatchObject({ acknowledgedAt: at(20), acknowledgedBy: 'Dana' });
        expect((await store.recordLoopEvent(id, event('e-2', 'acknowledged', 10, 'Fox'), at(31))).loop).toMatchObject({ acknowledgedAt: at(10), acknowledgedBy: 'Fox' });
        // The same event again, even with other content, changes nothing.
        expect(await store.recordLoopEvent(id, event('e-2', 'acknowledged', 1, 'Gil'), at(32))).toMatchObject({ duplicate: true, loop: { acknowledgedAt: at(10), acknowledgedBy: 'Fox' } });
        const closed = await store.recordLoopEvent(id, event('e-3', 'closed', 40, null), at(40));
        expect(closed).toMatchObject({ duplicate: false, loop: { status: 'closed', closedAt: at(40), closedBy: null, acknowledgedAt: at(10) } });
        expect(await store.getLoop(id)).toEqual(closed.loop);
      });
    });

    describe('privacy', () => {
      it('forgetRespondent erases the responses, versions, jobs, attempts, marks and cached lookups of one email, and reports them', async () => {
        const { responseId, plan } = await planned('r-1', { respondent: { email: 'ann@example.com' } });
        await store.ingest(input('r-1', { respondent: { email: 'ann@example.com' }, comment: 'Still slow' }));
        await store.commitPlan({ planJobId: plan.id, responseId, jobs: [actionJob('alert', responseId)], recipeRuns: [{ recipe: 'detractor-follow-up', respondentKey: 'ann@example.com', at: at(1) }], verdicts: [] }, at(1));
        const [alert] = (await claim(2)).filter((j) => j.key === 'alert');
        await store.finishAttempt(alert!, attemptOf(alert!, 3), { outcome: 'succeeded', result: { ticketId: 42 } });
        await store.putCachedEnrichment('hubspot:contact:ann@example.com', { plan: 'pro' }, at(0), at(600));
        const other = await store.ingest(input('r-2', { respondent: { email: 'bob@example.com' } }));

        const report = await store.forgetRespondent(' ANN@example.com', at(5));
        expect(report).toMatchObject({
          email: 'ann@example.com',
          erased: { responses: 1, versions: 2, cacheEntries: 1, throttleMarks: 1, attempts: 1 },
          downstream: [{ action: 'slack.postMessage', remote: { ticketId: 42 } }],
        });
        expect(report.erased.jobs).toBe(3); // plan, plan:v2, alert
        expect(await store.getResponse(responseId)).toBeUndefined();
        expect(await store.listJobs({ responseId, limit: 10 })).toEqual([]);
        expect(await store.getCachedEnrichment('hubspot:contact:ann@example.com', at(6))).toBeUndefined();
        expect(await store.getResponse(other.id)).toBeDefined();
        // Asked again: nothing left, and what was done downstream is still reported.
        expect(await store.forgetRespondent('ann@example.com', at(6))).toMatchObject({ erased: { responses: 0 }, downstream: [{ action: 'slack.postMessage' }] });
      });

      it('scrubPersonalData removes the personal data of old responses, keeps what the figures count, and is idempotent', async () => {
        const { id } = await store.ingest(input('r-1', { respondent: { email: 'ann@example.com', name: 'Ann' }, comment: 'Slow', extra: { plan: 'pro' } }));
        expect(await store.scrubPersonalData('2000-01-01T00:00:00.000Z', at(0))).toBe(0);
        expect(await store.scrubPersonalData(at(0), at(0))).toBe(1);
        const scrubbed = await store.getResponse(id);
        expect(scrubbed).toMatchObject({ score: 3, category: 'detractor', comment: null, respondent: { email: null, name: null }, extra: {} });
        expect(await store.getRawBody(id)).toMatchObject({ body: '' });
        expect(await store.scrubPersonalData(at(0), at(1))).toBe(0);
        // A resend does not bring the data back.
        expect(await store.ingest(input('r-1', { respondent: { email: 'ann@example.com', name: 'Ann' }, comment: 'Slow', extra: { plan: 'pro' } }))).toMatchObject({ id, duplicate: true });
        expect((await store.npsCounts({})).detractors).toBe(1);
      });
    });

    describe('figures', () => {
      it('npsCounts counts scored NPS responses by category, with their filters', async () => {
        await store.ingest(input('r-1', { score: 10 }));
        await store.ingest(input('r-2', { score: 8, surveyId: 's-1' }));
        await store.ingest(input('r-3', { score: 3 }));
        await store.ingest(input('r-4', { score: null }));
        await store.ingest({ ...input('r-5'), response: response('r-5', { source: 'typeform', score: 0 }) });
        expect(await store.npsCounts({})).toEqual({ promoters: 1, passives: 1, detractors: 2 });
        expect(await store.npsCounts({ source: 'typeform' })).toEqual({ promoters: 0, passives: 0, detractors: 1 });
        expect(await store.npsCounts({ surveyId: 's-1' })).toEqual({ promoters: 0, passives: 1, detractors: 0 });
        expect(await store.npsCounts({ since: at(0) })).toEqual({ promoters: 0, passives: 0, detractors: 0 });
      });

      it('tagResponses and themeCounts: tags guarded by version, counted by theme and category', async () => {
        const a = await store.ingest(input('r-1', { score: 2, comment: 'Slow and buggy' }));
        const b = await store.ingest(input('r-2', { score: 10, comment: 'Fast' }));
        const c = await store.ingest(input('r-3', { score: 9, comment: 'Fast enough' }));
        expect((await store.responsesToTag(0, 'rules-1', 10)).map((r) => r.id)).toEqual([a.id, b.id, c.id]);
        await store.tagResponses([
          { responseId: a.id, version: 1, themes: ['speed', 'bugs'], sentiment: -3, rules: 'rules-1' },
          { responseId: b.id, version: 1, themes: ['speed'], sentiment: 2, rules: 'rules-1' },
          // An older version's tags change nothing.
          { responseId: c.id, version: 0, themes: ['speed'], sentiment: 1, rules: 'rules-1' },
        ]);
        expect((await store.responsesToTag(0, 'rules-1', 10)).map((r) => r.id)).toEqual([c.id]);
        const counts = await store.themeCounts({ rules: 'rules-1' });
        expect(counts.commented).toEqual({ promoters: 1, passives: 0, detractors: 1 });
        expect(counts.untagged).toBe(1);
        expect([...counts.byTheme].sort((x, y) => x.theme.localeCompare(y.theme))).toEqual([
          { theme: 'bugs', promoters: 0, passives: 0, detractors: 1 },
          { theme: 'speed', promoters: 1, passives: 0, detractors: 1 },
        ]);
        expect((await store.listVerbatims({ theme: 'speed', limit: 10 })).map((v) => v.id)).toEqual([b.id, a.id]);
        expect((await store.listVerbatims({ category: 'promoter', limit: 10 })).map((v) => [v.id, v.themes])).toEqual([
          [c.id, null],
          [b.id, ['speed']],
        ]);
      });
    });
  });
}
