import type { Command } from 'commander';
import { z } from 'zod';
import type { ConnectorDefinition } from '../../connectors/connector.js';
import { actionRegistry } from '../../connectors/registry.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { settingsGroups, type SettingsGroup } from './configuration.js';
import { code, defaultText, generatedNotice, table, typeText } from './markdown.js';

/** What the reference pages are written from: the registries, and the CLI program. */
export interface ReferenceInputs {
  connectors: readonly ConnectorDefinition[];
  sources: ReadonlyMap<string, SourceAdapter>;
  program: Command;
  /** The admin API's OpenAPI document, as `GET /api/openapi.json` serves it. */
  openapi: unknown;
}

/** Every generated file, path (from the repository root) → content. */
export function referencePages(inputs: ReferenceInputs): Map<string, string> {
  const groups = settingsGroups(inputs.connectors, inputs.sources.values());
  return new Map([
    ['docs/reference/configuration.md', configurationPage(groups)],
    ['docs/reference/actions.md', actionsPage(inputs.connectors)],
    ['docs/reference/sources.md', sourcesPage(inputs.sources)],
    ['docs/reference/cli.md', cliPage(inputs.program)],
    ['docs/reference/openapi.json', `${JSON.stringify(inputs.openapi, null, 2)}\n`],
    ['.env.example', envExample(groups)],
  ]);
}

function configurationPage(groups: SettingsGroup[]): string {
  const sections = groups.map((g) => {
    const rows = g.settings.map((s) => [code(s.name), s.default ?? (s.secret ? 'unset (secret)' : 'unset'), s.type, s.description]);
    return [`## ${g.title}`, g.intro, table(['variable', 'default', 'value', 'meaning'], rows)].filter(Boolean).join('\n\n');
  });
  return page(generatedNotice('the zod settings schemas, the connector and source registries'), [
    '# Configuration reference',
    'Every variable is read from the environment and validated when the hub starts (and by `closeloop check`): a bad value stops it with the variable\'s name, e.g. `Invalid configuration: PORT Too big: expected number to be <=65535`. An empty value counts as unset. [`.env.example`](../../.env.example) lists them all with their defaults.',
    ...sections,
  ]);
}

function actionsPage(connectors: readonly ConnectorDefinition[]): string {
  const registry = actionRegistry(connectors);
  const sections = connectors.map((c) => {
    const actions = [...registry.values()].filter((a) => a.connector === c);
    const blocks = actions.map(({ fullName, action }) => {
      const json = z.toJSONSchema(action.params, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
      const required = new Set<string>(json.required ?? []);
      const params = Object.entries<Record<string, any>>(json.properties ?? {});
      // The description column only when some parameter has one (`.describe()` on its schema).
      const described = params.some(([, p]) => p.description);
      const header = ['parameter', 'type', 'required', 'default', ...(described ? ['description'] : [])];
      const rows = params.map(([name, p]) => [
        code(name),
        typeText(p),
        required.has(name) ? 'yes' : 'no',
        defaultText(p.default) ?? '',
        ...(described ? [p.description ?? ''] : []),
      ]);
      const followUp = action.followUp ? `A later change to the response (a new comment, another score) reaches it through ${code(action.followUp.action)}.` : undefined;
      return [`### ${code(fullName)}`, `${action.summary}.`, table(header, rows), `**Effect-once.** ${action.effectOnce}`, followUp]
        .filter(Boolean)
        .join('\n\n');
    });
    const credentials = c.variables.map((v) => code(v.name)).join(', ');
    return [`## ${c.title}`, `Variables: ${credentials} ([configuration](configuration.md)). Without credentials its actions run in sandbox mode.`, ...blocks].join('\n\n');
  });
  return page(generatedNotice('the action registry (connectors/registry.ts) and each action\'s zod parameter schema'), [
    '# Actions reference',
    'A recipe names an action `connector.action`. Every string parameter is a Liquid template; after rendering, the parameters are validated by the action\'s schema below (`closeloop check` does it for every recipe against sample responses). An empty rendered optional parameter counts as absent. Every delivered action stores the remote object\'s id on its job (`result.remoteId`).',
    ...sections,
  ]);
}

function sourcesPage(sources: ReadonlyMap<string, SourceAdapter>): string {
  const rows = [...sources.values()].map((s) => [code(s.name), s.title, code(`POST /webhooks/${s.name}`), code(s.secretVariable), s.settings.map((x) => code(x.name)).join(', ') || '—']);
  const details = [...sources.values()]
    .filter((s) => s.settings.length)
    .map((s) => [`### ${code(s.name)}`, ...s.settings.map((x) => `- ${code(x.name)}: ${x.description}`)].join('\n'));
  return page(generatedNotice('the source registry (src/sources/registry.ts)'), [
    '# Sources reference',
    'Every survey tool posts to its own endpoint. Setting up each tool, signatures and dedupe ids: [Survey sources](../sources.md). `closeloop sources` prints the same list with whether each variable is set on this machine.',
    table(['source', 'tool', 'endpoint', 'secret', 'settings'], rows),
    '## Settings',
    ...details,
  ]);
}

/** Help text is wrapped at a fixed width so the page does not depend on the terminal that wrote it. */
const HELP_WIDTH = 100;

function cliPage(program: Command): string {
  const help = (cmd: Command, title: string) => {
    cmd.configureHelp({ helpWidth: HELP_WIDTH });
    return [`## ${title}`, '```text', cmd.helpInformation().trimEnd(), '```'].join('\n');
  };
  return page(generatedNotice("the commander program's help (src/runtime/node/cli.ts)"), [
    '# CLI reference',
    'Run `npx closeloop <command>` from the repository (or `npm run closeloop -- <command>`). Every command reads the same environment variables as the server and exits 1 on a problem, with the reason on stderr. Examples and workflows: [CLI](../cli.md).',
    help(program, '`closeloop`'),
    ...program.commands.map((c) => help(c, code(`closeloop ${c.name()}`))),
  ]);
}

function envExample(groups: SettingsGroup[]): string {
  const lines = [
    '# closeloop: every environment variable, with its default.',
    '# Generated by `npm run docs` (scripts/write-docs.ts) from the code\'s schemas. Do not edit: change the code and rerun.',
    '# Copy it (to /etc/closeloop/closeloop.env for the systemd unit: docs/deployment.md) and uncomment what you set.',
    '# An empty value counts as unset. Reference: docs/reference/configuration.md',
  ];
  for (const g of groups) {
    lines.push('', `# ---- ${g.title} ----`);
    for (const s of g.settings) {
      lines.push(...wrap(s.description, 98).map((l) => `# ${l}`));
      lines.push(`#${s.name}=${s.rawDefault ?? ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function page(notice: string, parts: (string | undefined)[]): string {
  return `${[notice, ...parts.filter(Boolean)].join('\n\n')}\n`;
}
