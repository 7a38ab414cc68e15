import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../../core/config.js';
import { HubError, zodIssues } from '../../../core/errors.js';
import { retagHistory } from '../../../themes/retag.js';
import { themesReport, ThemesQuery, type ThemesReport } from '../../../themes/theme-report.js';
import type { Env } from '../../../core/env.js';
import { SqliteStore } from '../sqlite-store.js';
import { loadThemesFile } from '../themes-file.js';

/** `closeloop themes` (NPS by theme, detractor drivers first) and `closeloop themes retag`. */
export function registerThemesCommand(program: Command, env: Env) {
  const themes = program
    .command('themes')
    .description('NPS by theme from CLOSELOOP_DB, the themes detractors raise more than others first (rules: CLOSELOOP_THEMES)')
    .option('--since <time>', 'received at or after an ISO 8601 time or a duration back from now (30d, 12h)')
    .option('--until <time>', 'received before, in the same form')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { since?: string; until?: string; json?: boolean }) => {
      const parsed = ThemesQuery.safeParse({ since: opts.since, until: opts.until });
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid options:', zodIssues(parsed.error).map((i) => ({ ...i, field: `--${i.field}` })));
      const { tagger, store } = open(env);
      try {
        const report = await themesReport(store, tagger, parsed.data, new Date()).catch((error: unknown) => {
          if (error instanceof HubError && error.status === 422) throw new HubError(422, 'invalid_arguments', error.message, error.issues.map((i) => ({ ...i, field: `--${i.field}` })));
          throw error;
        });
        console.log(opts.json ? JSON.stringify(report) : formatThemesReport(report));
      } finally {
        await store.close();
      }
    });

  themes
    .command('retag')
    .description('Tag every stored response again with the current theme rules, in batches; responses already tagged by them are skipped')
    .option('--batch <n>', 'responses per transaction', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
      return n;
    }, 500)
    .action(async (opts: { batch: number }) => {
      const { tagger, store } = open(env);
      try {
        const done = await retagHistory(store, tagger, {
          batch: opts.batch,
          onProgress: (p) => console.log(`… ${p.retagged} re-tagged, ${p.changed} with other themes`),
        });
        console.log(`re-tagged ${done.retagged} response(s) with ${tagger.rules.file ?? 'no theme rules'}; ${done.changed} changed themes`);
      } finally {
        await store.close();
      }
    });
}

/** The theme rules (validated first: a bad file is reported before the database is touched) and the hub's database, which must exist. */
function open(env: Env) {
  const config = loadConfig(env);
  const tagger = loadThemesFile(config);
  return { tagger, store: new SqliteStore({ path: config.CLOSELOOP_DB, mustExist: true }) };
}

/** The report as a table: one line per theme, ranked as the report ranks them. */
export function formatThemesReport(report: ThemesReport): string {
  const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`);
  const signed = (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : ''}${v}`);
  const rows = [
    ['theme', 'mentions', 'NPS', 'detractors', 'promoters', 'others', 'lift'],
    ...report.themes.map((t) => [t.theme, String(t.mentions), signed(t.nps), pct(t.detractorShare), pct(t.promoterShare), pct(t.othersShare), signed(t.detractorLift)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
  const c = report.commented;
  const scope = [report.since && `since ${report.since}`, report.until && `until ${report.until}`].filter(Boolean).join(', ');
  lines.push(
    '',
    `${c.responses} NPS response(s) with a comment (${c.detractors} detractors, ${c.passives} passives, ${c.promoters} promoters)${scope ? `; ${scope}` : ''}.`,
    'detractors / promoters / others: share of each group mentioning the theme; lift: detractors − others, in points.',
  );
  if (report.themes.length === 0) lines.unshift('No theme rules (CLOSELOOP_THEMES, default themes.yaml in CLOSELOOP_RECIPES).');
  if (report.untagged > 0) lines.push(`${report.untagged} response(s) with a comment not tagged by the current rules: run closeloop themes retag.`);
  return lines.join('\n');
}
