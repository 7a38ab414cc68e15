import type { Command } from 'commander';
import { HubError, zodIssues } from '../../../core/errors.js';
import { InsightsQuery, insightsReport, wantsInsights } from '../../../insights/insights-report.js';
import { insightsCsv, insightsTable } from '../../../insights/insights-table.js';
import { npsReport } from '../../../reports/nps-report.js';
import { SOURCES } from '../../../sources/registry.js';
import { asCliOptions, withHubDatabase } from './insights-database.js';

/** `closeloop nps`: the figures of `GET /api/nps`, as text, a table, JSON or CSV. */
export function registerNpsCommand(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('nps')
    .description('NPS figures from CLOSELOOP_DB over a period, a source, a survey; --by, --interval, --compare, --metric for segments, trends and tested changes')
    .option('--since <time>', 'received at or after an ISO 8601 time or a duration back from now (30d, 12h)')
    .option('--until <time>', 'received before, in the same form')
    .option('--source <name>', 'one survey tool (typeform, generic, …)')
    .option('--survey <id>', 'one survey, by the id its tool gives it')
    .option('--metric <metric>', 'nps (default), csat (% satisfied) or ces (mean effort score)')
    .option('--by <dimension>', 'segment by source, survey, touchpoint, plan, tier, arr, region, owner, lifecycle, crm, account.<field> or extra.<field>')
    .option('--interval <interval>', 'a trend series by day, week or month')
    .option('--compare <period>', 'compare with the previous period of the same length, or the same period a year before (previous, year)')
    .option('--tz <zone>', 'IANA time zone of the periods (default UTC)')
    .option('--min-sample <n>', 'segments with fewer answers are flagged, not ranked (default 30)')
    .option('--top <n>', 'how many best and worst segments to name (default 3)')
    .option('--json', 'print the figures as JSON')
    .option('--csv', 'print the segments or the series as CSV')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      if (opts.json && opts.csv) throw new HubError(422, 'invalid_arguments', 'Choose --json or --csv, not both', [{ field: '--csv', message: 'cannot be combined with --json' }]);
      const parsed = InsightsQuery.safeParse({
        since: opts.since,
        until: opts.until,
        source: opts.source,
        survey: opts.survey,
        metric: opts.metric,
        by: opts.by,
        interval: opts.interval,
        compare: opts.compare,
        tz: opts.tz,
        minSample: opts.minSample,
        top: opts.top,
      });
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid options:', asCliOptions(zodIssues(parsed.error)));
      const query = parsed.data;
      const rethrow = (error: unknown): never => {
        // An unknown source, a period that ends before it starts: the query's fields are options here.
        if (error instanceof HubError && error.status === 422) throw new HubError(422, 'invalid_arguments', error.message, asCliOptions(error.issues));
        throw error;
      };
      if (wantsInsights(query) || opts.csv) {
        const report = await withHubDatabase(env, (store) => insightsReport(store, query, new Date(), SOURCES.keys())).catch(rethrow);
        if (opts.json) return console.log(JSON.stringify(report));
        if (opts.csv) return console.log(insightsCsv(report).join('\n'));
        return console.log(insightsTable(report));
      }
      const report = await withHubDatabase(env, (store) => npsReport(store, query, new Date(), SOURCES.keys())).catch(rethrow);
      if (opts.json) return console.log(JSON.stringify(report));
      const share = (n: number) => `${n} (${((n / report.responses) * 100).toFixed(1)}%)`;
      const scope = [report.since && `since ${report.since}`, report.until && `until ${report.until}`, report.source && `source ${report.source}`, report.survey && `survey ${report.survey}`].filter(Boolean).join(', ');
      const counts = report.responses ? `: promoters ${share(report.promoters)}, passives ${share(report.passives)}, detractors ${share(report.detractors)}` : '';
      console.log(report.nps === null ? 'NPS: no scored NPS responses' : `NPS ${report.nps > 0 ? '+' : ''}${report.nps}`);
      console.log(`${report.responses} response${report.responses === 1 ? '' : 's'}${counts}${scope ? `; ${scope}` : ''}`);
    });
}
