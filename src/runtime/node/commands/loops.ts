import type { Command } from 'commander';
import { HubError, zodIssues } from '../../../core/errors.js';
import { LoopQuery, loopReport, type LoopFigures } from '../../../loops/loop-report.js';
import type { SqliteStore } from '../sqlite-store.js';

interface LoopsCommandDeps {
  withDatabase<T>(use: (store: SqliteStore) => Promise<T>): Promise<T>;
}

/** `closeloop loops`: how fast the loops of the responses the hub acted on are answered and closed. */
export function registerLoopsCommand(program: Command, deps: LoopsCommandDeps) {
  program
    .command('loops')
    .description('Loop figures from CLOSELOOP_DB: time to first response and to closure, and the share answered within the target')
    .option('--since <time>', 'responses received at or after an ISO 8601 time or a duration back from now (30d)')
    .option('--until <time>', 'received before, in the same form')
    .option('--by <group>', 'category (default), or a segment: source, survey, touchpoint, plan, tier, arr, region, owner, lifecycle, crm')
    .option('--target <duration>', 'answered within this long counts as on time (default 48h)')
    .option('--json', 'print the figures as JSON')
    .action(async (opts: { since?: string; until?: string; by?: string; target?: string; json?: boolean }) => {
      const parsed = LoopQuery.safeParse({ since: opts.since, until: opts.until, by: opts.by, target: opts.target });
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid options:', zodIssues(parsed.error).map((i) => ({ ...i, field: `--${i.field}` })));
      const report = await deps.withDatabase((store) => loopReport(store, parsed.data, new Date()));
      if (opts.json) return console.log(JSON.stringify(report));
      const hours = (h: number | null) => (h === null ? '—' : `${h} h`);
      const share = (f: LoopFigures) => (f.withinTarget.share === null ? '—' : `${f.withinTarget.share}% (${f.withinTarget.answered}/${f.withinTarget.of})`);
      const rows = [...report.groups, report.all].map((f) => [f.group, String(f.loops), String(f.open), String(f.acknowledged), String(f.closed), hours(f.hoursToFirstResponse.median), hours(f.hoursToFirstResponse.p90), hours(f.hoursToClose.median), share(f)]);
      const header = [report.by, 'loops', 'open', 'answered', 'closed', 'first reply (median)', '(p90)', 'closed (median)', `answered within ${report.targetHours} h`];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const line of [header, ...rows]) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
    });
}
