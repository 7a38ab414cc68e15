import { raw } from 'hono/html';
import { z } from 'zod';
import { InsightsQuery, insightsReport, type InsightsReport } from '../../insights/insights-report.js';
import { ROLLED_UP_DIMENSIONS } from '../../insights/segments.js';
import { themesReport, ThemesQuery, verbatimsPage, VerbatimsQuery, type ThemesReport, type VerbatimsPage } from '../../themes/theme-report.js';
import { themeTagger } from '../../themes/tagger.js';
import { NO_THEME_RULES } from '../../themes/theme-rules.js';
import type { DashboardDeps } from '../deps.js';
import { CategoryMix, ChangeText, FigureCell, LowSample } from '../components/figures.js';
import { num, percent, scriptJson, when } from '../components/format.js';
import { Layout } from '../components/layout.js';
import { VerbatimList } from '../components/verbatims.js';

/** The periods the overview offers, each with the interval of its trend. */
export const PERIODS = {
  '30d': { label: 'Last 30 days', interval: 'day' },
  '84d': { label: 'Last 12 weeks', interval: 'week' },
  '365d': { label: 'Last 12 months', interval: 'month' },
} as const;

export const OverviewQuery = z.object({
  period: z.enum(Object.keys(PERIODS) as [keyof typeof PERIODS]).default('84d'),
  by: z.enum(ROLLED_UP_DIMENSIONS).default('plan'),
});
export type OverviewQuery = z.output<typeof OverviewQuery>;

export interface OverviewData {
  query: OverviewQuery;
  trend: InsightsReport;
  segments: InsightsReport;
  themes: ThemesReport;
  verbatims: VerbatimsPage;
}

/** What the overview shows, from the same functions as `GET /api/nps`, `/api/themes` and `/api/verbatims`. */
export async function overviewData(deps: DashboardDeps, query: OverviewQuery): Promise<OverviewData> {
  const now = deps.now();
  const tagger = deps.themes ?? themeTagger(NO_THEME_RULES);
  const { interval } = PERIODS[query.period];
  const [trend, segments, themes, verbatims] = await Promise.all([
    insightsReport(deps.store, InsightsQuery.parse({ since: query.period, interval, compare: 'previous' }), now, deps.sources.keys()),
    insightsReport(deps.store, InsightsQuery.parse({ since: query.period, by: query.by, compare: 'previous' }), now, deps.sources.keys()),
    themesReport(deps.store, tagger, ThemesQuery.parse({ since: query.period }), now),
    verbatimsPage(deps.store, tagger, VerbatimsQuery.parse({ limit: 10 }), now),
  ]);
  return { query, trend, segments, themes, verbatims };
}

export function OverviewPage(props: { data: OverviewData; csrf: string }) {
  const { trend, segments, themes, verbatims, query } = props.data;
  const f = trend.figure;
  const points = (trend.series ?? []).map((p) => ({ start: p.start, value: p.figure.value, low: p.figure.low, high: p.figure.high, responses: p.figure.responses }));
  return (
    <Layout title="Overview" section="overview" csrf={props.csrf}>
      <form method="get" action="/" class="filters">
        <label>
          Period{' '}
          <select name="period">
            {Object.entries(PERIODS).map(([value, p]) => (
              <option value={value} selected={value === query.period}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Segments by{' '}
          <select name="by">
            {ROLLED_UP_DIMENSIONS.map((d) => (
              <option value={d} selected={d === query.by}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>

      <section aria-labelledby="nps-now" class="cards">
        <h2 id="nps-now" class="visually-hidden">
          NPS now
        </h2>
        <div class="card">
          <p class="card-label">NPS, {PERIODS[query.period].label.toLowerCase()}</p>
          <p class="big" data-testid="nps-value">
            {num(f.value)}
          </p>
          <p>
            ± {num(f.marginOfError)} (95 % interval {num(f.low)} to {num(f.high)}), {f.responses} answers <LowSample figure={f} />
          </p>
        </div>
        <div class="card">
          <p class="card-label">Change from the previous period</p>
          <p class="big">{trend.previous ? <ChangeText change={trend.previous.change} /> : '—'}</p>
          <p>{trend.previous?.figure.responses ? `Then ${num(trend.previous.figure.value)} over ${trend.previous.figure.responses} answers` : 'No answers in the previous period.'}</p>
        </div>
        <div class="card">
          <p class="card-label">Category mix</p>
          <CategoryMix figure={f} />
        </div>
      </section>

      <section aria-labelledby="trend">
        <h2 id="trend">Trend by {trend.interval}, with its 95 % interval</h2>
        <div id="trend-chart" class="chart" role="img" aria-label={`NPS by ${trend.interval}: a line with its 95 % interval band; the same figures are in the table below`}></div>
        <script type="application/json" id="trend-data">
          {raw(scriptJson({ interval: trend.interval, points }))}
        </script>
        <details class="trend-table" open>
          <summary>Trend as a table</summary>
          <div class="scroll" tabindex={0}>
            <table>
              <caption class="visually-hidden">NPS by {trend.interval}</caption>
              <thead>
                <tr>
                  <th scope="col">Period from</th>
                  <th scope="col">NPS</th>
                  <th scope="col">Interval</th>
                  <th scope="col">Answers</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {(trend.series ?? []).map((p) => (
                  <tr data-testid="trend-row">
                    <td>{p.start.slice(0, 10)}</td>
                    <td>
                      {num(p.figure.value)} <LowSample figure={p.figure} />
                    </td>
                    <td>
                      {num(p.figure.low)} to {num(p.figure.high)}
                    </td>
                    <td>{p.figure.responses}</td>
                    <td>
                      <ChangeText change={p.change} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      <section aria-labelledby="segments">
        <h2 id="segments">Segments by {query.by}</h2>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{query.by}</th>
                <th scope="col">NPS ± margin</th>
                <th scope="col">Answers</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {(segments.segments ?? []).map((s) => (
                <tr data-testid="segment-row">
                  <th scope="row">{s.value ?? <span class="muted">unknown</span>}</th>
                  <td>
                    <FigureCell figure={s.figure} /> <LowSample figure={s.figure} />
                  </td>
                  <td>{s.figure.responses}</td>
                  <td>
                    <ChangeText change={s.change} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {segments.segments?.length ? null : <p>No answers in this period.</p>}
      </section>

      <div class="two">
        <section aria-labelledby="themes">
          <h2 id="themes">Top themes</h2>
          {themes.themes.length ? (
            <div class="scroll" tabindex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Theme</th>
                    <th scope="col">Mentions</th>
                    <th scope="col">NPS</th>
                    <th scope="col">Detractors mentioning</th>
                  </tr>
                </thead>
                <tbody>
                  {themes.themes.slice(0, 5).map((t) => (
                    <tr>
                      <th scope="row">
                        <a href={`/responses?theme=${encodeURIComponent(t.theme)}`}>{t.label}</a>
                      </th>
                      <td>{t.mentions}</td>
                      <td>{num(t.nps)}</td>
                      <td>{percent(t.detractorShare)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>No theme rules are configured (CLOSELOOP_THEMES).</p>
          )}
        </section>
        <section aria-labelledby="feed">
          <h2 id="feed">Latest verbatims</h2>
          <p class="muted small">New comments appear here as they arrive (with JavaScript on). Newest {when(verbatims.verbatims[0]?.receivedAt)}.</p>
          <VerbatimList verbatims={verbatims.verbatims} live />
        </section>
      </div>
    </Layout>
  );
}
