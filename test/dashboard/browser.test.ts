import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../support/hub.js';
import { answeredDetractors, seededDashboardHub, type SeededDashboardHub } from './support.js';

/** The dashboard in Debian's Chromium, driven by playwright-core, over a seeded hub on a real port. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = resolve(import.meta.dirname, '../../.tmp/screenshots');

let ctx: SeededDashboardHub;
let browser: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  ctx = await seededDashboardHub();
  profile = mkdtempSync(join(tmpdir(), 'closeloop-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 900 } });
  page = browser.pages()[0] ?? (await browser.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Serious and critical axe-core violations on the page as it is. */
async function seriousViolations(p: Page) {
  // Evaluated over the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
  await p.evaluate(axe.source);
  const result = (await p.evaluate(() => (window as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }))) as axe.AxeResults;
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

/** Screenshots at desktop and phone width, and the accessibility check, of the page shown. */
async function checkPage(name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  // Nothing wider than the phone's screen but the tables' own scroll boxes, once the page has
  // answered the resize (the chart redraws from a ResizeObserver, a frame or more later).
  const overflow = () =>
    page.evaluate(() =>
      document.documentElement.scrollWidth > 375
        ? [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 375 && !e.closest('.scroll')).map((e) => `${e.tagName}.${e.className} "${e.textContent?.slice(0, 40)}" ${Math.round(e.getBoundingClientRect().left)}-${Math.round(e.getBoundingClientRect().right)}`)
        : [],
    );
  await expect.poll(overflow, { timeout: 5_000 }).toEqual([]);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-375.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const nps = (scores: number[]) => {
  const p = scores.filter((s) => s >= 9).length;
  const d = scores.filter((s) => s <= 6).length;
  return (Math.round(((p - d) / scores.length) * 1000) / 10).toFixed(1);
};

describe('the dashboard in a real browser', { timeout: 90_000 }, () => {
  it('refuses a wrong token with a clear message', async () => {
    await page.goto(`${ctx.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.getByLabel('Admin token').fill('not-the-token');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/sign-in') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(answer.status()).toBe(401);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That is not the admin token');
    expect((await browser.cookies()).filter((c) => c.name === 'closeloop_session')).toEqual([]);
    await checkPage('sign-in');
  });

  it('signs in and shows the seeded NPS, its trend, segments and verbatims', async () => {
    await page.getByLabel('Admin token').fill(ctx.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${ctx.url}/`);
    const [cookie] = (await browser.cookies()).filter((c) => c.name === 'closeloop_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });

    const scores = [...ctx.seeded.map((r) => r.score), 10];
    expect(await page.getByTestId('nps-value').textContent()).toBe(nps(scores));

    const api = (await (await adminRequest(ctx.hub, '/api/nps?since=84d&interval=week&compare=previous')).json()) as { series: unknown[] };
    expect(api.series.length).toBeGreaterThanOrEqual(12);
    await expect.poll(() => page.locator('#trend-chart').getAttribute('data-points')).toBe(String(api.series.length));
    expect(await page.locator('#trend-chart canvas').count()).toBe(1);
    expect(await page.getByTestId('trend-row').count()).toBe(api.series.length);

    const segments = await page.getByTestId('segment-row').allTextContents();
    expect((await page.getByTestId('segment-row').locator('th').allTextContents()).sort()).toEqual(['enterprise', 'pro', 'starter']);
    expect(segments.find((s) => s.startsWith('starter'))).toContain('small sample');
    expect(segments.find((s) => s.startsWith('enterprise'))).not.toContain('small sample');

    const feed = page.locator('#verbatim-feed');
    await expect.poll(() => feed.getByTestId('verbatim').first().textContent()).toContain('Loved the onboarding call');
    await checkPage('overview');
  });

  it('shows a new verbatim without a reload', async () => {
    await page.goto(`${ctx.url}/`);
    const marker = await page.evaluate(() => ((window as any).__notReloaded = true));
    await ctx.receiveNow('live@acme.test', 3, 'The export button is broken');
    await expect.poll(() => page.locator('#verbatim-feed [data-testid=verbatim]').first().textContent(), { timeout: 15_000 }).toContain('The export button is broken');
    expect(await page.evaluate(() => (window as any).__notReloaded)).toBe(marker);
    // Only the new one was added: the older comments the feed returns are already on the page.
    expect(await page.locator('#verbatim-feed .verbatim.new').count()).toBe(1);
  });

  it('finds a response by email and opens it', async () => {
    const target = answeredDetractors(ctx.seeded)[0]!;
    await page.getByRole('link', { name: 'Responses' }).click();
    await page.getByLabel('Email').fill(target.email);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('response-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(target.email);
    await checkPage('responses');
    await rows.first().getByRole('link').click();
    await expect.poll(() => page.getByTestId('response-comment').textContent()).toBe(target.comment);
    expect(await page.getByTestId('loop-state').textContent()).toMatch(/^closed · .* answered by Dana Scully .* closed by Dana Scully/);
    expect(await page.getByTestId('slack-assignment').textContent()).toMatch(/^Followed up by Dana Scully \(Slack\) since /);
    expect(await page.getByTestId('slack-action').allTextContents()).toEqual([expect.stringMatching(/^I'll follow up · Dana Scully · /)]);
    const verdicts = await page.getByTestId('verdict-row').allTextContents();
    expect(verdicts.find((v) => v.startsWith('detractor-ticket'))).toContain('matched');
    expect(verdicts.find((v) => v.startsWith('promoter-advocacy'))).toContain('not matched');
    const jobs = await page.getByTestId('job').allTextContents();
    expect(jobs.some((j) => j.includes('zendesk.createTicket') && j.includes('sandboxed'))).toBe(true);
    expect(jobs.some((j) => j.includes('slack.postMessage') && j.includes('succeeded'))).toBe(true);
    // What the Slack job made, linked through the connector's own link().
    expect(await page.getByTestId('job').filter({ hasText: 'slack.postMessage' }).getByRole('link').first().getAttribute('href')).toMatch(/^https:\/\/slack\.com\/archives\/C0FEEDBACK\/p\d+$/);
    expect(await page.getByText(`Plan`, { exact: true }).locator('xpath=following-sibling::dd[1]').textContent()).toBe(target.plan);
    await checkPage('response');
  });

  it('replays a dead job with the button and shows it delivered', async () => {
    const [dead] = (await ctx.hub.store.listJobs({ status: 'dead', limit: 10 })).filter((j) => j.responseId === ctx.deadResponseId);
    expect(dead?.action).toBe('slack.postMessage');
    await page.getByRole('link', { name: 'Loop health' }).click();
    const slackRow = page.getByTestId('queue-row').filter({ hasText: 'slack' });
    expect((await slackRow.textContent())?.replace(/\s+/g, ' ')).toMatch(/^slack0001$/);
    expect(await page.getByTestId('dead-row').count()).toBe(1);
    // The six answered detractors: five acknowledged, one closed, all within the 48 h target.
    expect((await page.getByTestId('loop-category-row').filter({ hasText: 'detractor' }).textContent())?.replace(/\s+/g, ' ')).toContain(' / 5 / 1');
    expect(await page.getByTestId('detractors-within').locator('xpath=..').textContent()).toContain('(6 of');
    await checkPage('loop-health');

    const posts = ctx.slack.posts.length;
    await page.getByTestId('dead-row').getByRole('button', { name: /Replay/ }).click();
    await expect.poll(() => page.getByTestId('replay-progress').textContent(), { timeout: 15_000 }).toBe('1 of 1 delivered, 0 waiting, 0 dead again — done.');
    expect(ctx.slack.posts.length).toBe(posts + 1);
    expect((await ctx.hub.store.getJob(dead!.id))?.status).toBe('succeeded');
    await page.reload();
    expect(await page.getByTestId('dead-row').count()).toBe(0);
  });

  it('replays every dead job of a connector with the form, and shows the progress', async () => {
    ctx.advance(60_000);
    ctx.slack.refuse = true;
    await ctx.receiveNow('refused-twice@acme.test', 9, 'Nice, but the archive channel refuses this');
    await expect.poll(async () => (await ctx.hub.store.listJobs({ status: 'dead', limit: 10 })).length, { timeout: 15_000 }).toBe(1);
    ctx.slack.refuse = false;
    await page.goto(`${ctx.url}/loop-health`);
    await page.locator('select[name=connector]').selectOption('slack');
    await page.getByRole('button', { name: 'Replay all of this connector' }).click();
    await expect.poll(() => page.getByTestId('replay-progress').textContent(), { timeout: 15_000 }).toBe('1 of 1 delivered, 0 waiting, 0 dead again — done.');
    expect(new URL(page.url()).searchParams.get('connector')).toBe('slack');
    expect(await ctx.hub.store.listJobs({ status: 'dead', limit: 10 })).toEqual([]);
    expect(ctx.slack.posts.at(-1)?.text).toContain('9/10');
  });

  it('opens the promoters\' campaign and approves its next wave with the button', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const row = page.getByTestId('campaign-row').filter({ hasText: 'g2-reviews' });
    expect(await row.getByTestId('campaign-state').textContent()).toBe('waiting for approval');
    await checkPage('campaigns');
    await row.getByRole('link', { name: 'g2-reviews' }).click();
    expect(await page.getByTestId('wave-row').allTextContents()).toEqual([expect.stringMatching(/^1: score 10.*\(creation\)/), expect.stringMatching(/^2: score 9\s*not yet/)]);
    await checkPage('campaign');

    const before = await ctx.hub.store.campaignProgress(ctx.g2Reviews.id);
    await page.getByRole('button', { name: 'Approve next wave' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Wave 2 released: ${before[1]!.members} contacts queued.`);
    expect((await ctx.hub.store.campaignProgress(ctx.g2Reviews.id))[1]).toMatchObject({ releasedBy: 'approval' });
    // The runner, woken, sends wave 2 (sandboxed: Intercom has no credentials in this hub).
    await expect.poll(async () => (await ctx.hub.store.campaignProgress(ctx.g2Reviews.id))[1]?.sandboxed, { timeout: 15_000 }).toBe(before[1]!.members);
    await page.reload();
    expect(await page.getByTestId('next-wave').textContent()).toBe('None: every wave is released.');
    await checkPage('campaign-approved');
  });

  it('lists the recipes with their matches', async () => {
    await page.getByRole('link', { name: 'Recipes' }).click();
    const recipes = page.getByTestId('recipe');
    expect(await recipes.count()).toBe(ctx.hub.recipes.current().length);
    const detractorsLast30 = ctx.seeded.filter((r) => r.score <= 6).length + 1; // the live one
    expect(await recipes.filter({ hasText: 'detractor-ticket' }).getByTestId('recipe-matches').textContent()).toContain(`${detractorsLast30} in the last 30`);
    await checkPage('recipes');
  });

  it('refuses cross-site POSTs: no Origin, a foreign Origin, no CSRF token', async () => {
    const cookie = (await browser.cookies()).find((c) => c.name === 'closeloop_session')!;
    const headers = { cookie: `${cookie.name}=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded' };
    const csrf = await page.locator('form.sign-out input[name=_csrf]').inputValue();
    const post = (extra: Record<string, string>, body: Record<string, string>) => fetch(`${ctx.url}/sign-out`, { method: 'POST', headers: { ...headers, ...extra }, body: new URLSearchParams(body), redirect: 'manual' });
    expect((await post({}, { _csrf: csrf })).status).toBe(403);
    expect((await post({ origin: 'https://evil.example' }, { _csrf: csrf })).status).toBe(403);
    expect((await post({ origin: ctx.url }, {})).status).toBe(403);
    expect((await post({ origin: ctx.url }, { _csrf: 'f'.repeat(64) })).status).toBe(403);
    // The same request from the page itself is accepted: the refusals above were for what they lacked.
    expect((await post({ origin: ctx.url }, { _csrf: csrf })).status).toBe(303);
  });
});
