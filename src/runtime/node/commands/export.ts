import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { HubError, zodIssues } from '../../../core/errors.js';
import { parseSince, TimeOrAgo } from '../../../core/time.js';
import { EXPORT_COLUMNS, exportCsvLine, exportRecord } from '../../../insights/export-record.js';
import { csvLine } from '../../../insights/insights-table.js';
import { asCliOptions, withHubDatabase } from './insights-database.js';

/** Responses read per page: the export holds one page in memory, whatever the history. */
const PAGE = 1000;

const ExportOptions = z.object({
  format: z.enum(['csv', 'ndjson']).default('csv'),
  since: TimeOrAgo.optional(),
  until: TimeOrAgo.optional(),
  output: z.string().min(1).optional(),
});

/** `closeloop export`: every response with the segments its plan saw, as CSV or NDJSON, streamed page by page. */
export function registerExportCommand(program: Command, env: Record<string, string | undefined>): void {
  program
    .command('export')
    .description('Write responses with their segments (account snapshot, survey, touchpoint, hidden fields) as CSV or NDJSON, for a data warehouse')
    .option('--format <format>', 'csv (default) or ndjson')
    .option('--since <time>', 'received at or after an ISO 8601 time or a duration back from now (30d)')
    .option('--until <time>', 'received before, in the same form')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (opts: Record<string, string | undefined>) => {
      const parsed = ExportOptions.safeParse(opts);
      if (!parsed.success) throw new HubError(422, 'invalid_arguments', 'Invalid options:', asCliOptions(zodIssues(parsed.error)));
      const now = new Date();
      const filter = { since: parsed.data.since && parseSince(parsed.data.since, now), until: parsed.data.until && parseSince(parsed.data.until, now) };
      const out: Writable = parsed.data.output ? createWriteStream(parsed.data.output) : process.stdout;
      // Waits when the reader is slower than the database (a pipe to a loader): memory stays one page.
      const write = async (line: string) => {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      };
      const csv = parsed.data.format === 'csv';
      let count = 0;
      await withHubDatabase(env, async (store) => {
        if (csv) await write(csvLine(EXPORT_COLUMNS));
        for (let after = 0; ; ) {
          const page = await store.exportPage(filter, after, PAGE);
          for (const row of page) {
            const record = exportRecord(row);
            await write(csv ? exportCsvLine(record) : JSON.stringify(record));
          }
          count += page.length;
          if (page.length < PAGE) break;
          after = page[page.length - 1]!.seq;
        }
      });
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
        console.error(`exported ${count} response(s) to ${parsed.data.output}`);
      }
    });
}
