import { escapeSlackText } from '../../connectors/slack/escape.js';
import { HubError } from '../core/errors.js';
import { topThemesFrom } from '../insights/digest.js';
import { InsightsQuery, insightsReport, type ChangeOut, type FigureOut } from '../insights/insights-report.js';
import { ROLLED_UP_DIMENSIONS } from '../insights/segments.js';
import type { HandlerOutcome, SlackAppDeps } from './handler.js';
import type { SlashCommand } from './interaction.js';

/** The default period of `/nps`. */
export const DEFAULT_PERIOD = '30d';

export const NPS_USAGE = [
  '*/nps [segment] [period] [public]*',
  `• segment: \`dimension=value\`, a dimension being one of ${ROLLED_UP_DIMENSIONS.join(', ')} (\`plan=enterprise\`); default: all responses`,
  `• period: how far back, \`90m\`, \`12h\`, \`30d\`, \`6w\` (default ${DEFAULT_PERIOD}); compared with the period of the same length before it`,
  '• `public`: answer in the channel; without it only you see the answer',
].join('\n');

interface Parsed {
  segment: { dimension: string; value: string } | null;
  period: string;
  public: boolean;
}

function parse(text: string): Parsed | string {
  const parsed: Parsed = { segment: null, period: DEFAULT_PERIOD, public: false };
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    if (token.toLowerCase() === 'public') parsed.public = true;
    else if (/^\d{1,7}[smhdw]$/.test(token)) parsed.period = token;
    else if (/^[a-z]+=.+$/.test(token)) {
      const [dimension, ...value] = token.split('=');
      if (!(ROLLED_UP_DIMENSIONS as readonly string[]).includes(dimension!)) return `Unknown segment dimension \`${escapeSlackText(dimension!)}\`.`;
      parsed.segment = { dimension: dimension!, value: value.join('=') };
    } else return `I did not understand \`${escapeSlackText(token)}\`.`;
  }
  return parsed;
}

const signed = (v: number | null) => (v === null ? '–' : v > 0 ? `+${v}` : String(v));

function figureLine(label: string, f: FigureOut): string {
  if (f.value === null) return `*NPS ${label}*: no scored responses`;
  const margin = f.marginOfError === null ? '' : ` ±${f.marginOfError}`;
  const low = f.lowSample ? ' (small sample: read with care)' : '';
  return `*NPS ${label}: ${signed(f.value)}*${margin} (95% margin), ${f.responses} responses${low}`;
}

function changeLine(previous: FigureOut | null, change: ChangeOut | null, period: string): string | null {
  if (!previous || !change || change.delta === null) return `Change: no responses in the ${period} before to compare with`;
  const verdict = change.significant ? `significant, p = ${change.pValue}` : `not significant${change.pValue === null ? '' : `, p = ${change.pValue}`}`;
  return `Change vs the ${period} before: ${signed(change.delta)} (was ${signed(previous.value)}; ${verdict})`;
}

function sharesLine(f: FigureOut): string | null {
  if (!f.responses) return null;
  const s = f.shares as Record<string, number>;
  return `Promoters ${s.promoters ?? 0}% · Passives ${s.passives ?? 0}% · Detractors ${s.detractors ?? 0}%`;
}

/**
 * `/nps [segment] [period] [public]`: NPS with its margin and its change against the period
 * before, the shares and the top themes (src/insights, src/themes). Answered in the
 * acknowledgement: ephemeral unless `public`.
 */
export async function npsCommand(command: SlashCommand, deps: SlackAppDeps): Promise<HandlerOutcome> {
  const only = (text: string): HandlerOutcome => ({ ack: { response_type: 'ephemeral', text } });
  const parsed = parse(command.text);
  if (typeof parsed === 'string') return only(`${parsed}\n${NPS_USAGE}`);
  if (command.text.trim() === 'help') return only(NPS_USAGE);
  const now = deps.now();
  let report;
  try {
    const query = InsightsQuery.parse({ since: parsed.period, compare: 'previous', ...(parsed.segment ? { by: parsed.segment.dimension } : {}) });
    report = await insightsReport(deps.store, query, now, deps.sources);
  } catch (error) {
    if (error instanceof HubError) return only(`${escapeSlackText(error.message)}\n${NPS_USAGE}`);
    throw error;
  }
  const label = `last ${parsed.period}${parsed.segment ? `, ${escapeSlackText(parsed.segment.dimension)} = ${escapeSlackText(parsed.segment.value)}` : ''}`;
  let figure = report.figure;
  let previous = report.previous?.figure ?? null;
  let change = report.previous?.change ?? null;
  if (parsed.segment) {
    const segment = report.segments?.find((s) => s.value === parsed.segment!.value);
    if (!segment) return only(`*NPS ${label}*: no responses in this segment.`);
    ({ figure, previous, change } = segment);
  }
  const lines = [figureLine(label, figure), sharesLine(figure), changeLine(previous, change, parsed.period)];
  if (deps.themes?.rules.themes.length) {
    const top = await topThemesFrom(deps.store, () => deps.themes!.fingerprint())(report.since ?? '', report.until);
    lines.push(top.length ? `Top themes: ${top.map((t) => `${escapeSlackText(t.theme)} (${t.responses})`).join(', ')}` : 'Top themes: none mentioned');
  }
  const text = lines.filter((l): l is string => l !== null).join('\n');
  return { ack: { response_type: parsed.public ? 'in_channel' : 'ephemeral', text } };
}
