import { CONNECTORS } from '../connectors/registry.js';
import { SOURCES } from '../src/sources/registry.js';
import { settingsGroups } from './reference/configuration.js';

/** The declared variables set in the environment, as `KEY=value` lines wrangler reads (`--env-file`). */
export function devVars(env: Record<string, string | undefined>): string {
  const declared = new Set(settingsGroups(CONNECTORS, SOURCES.values()).flatMap((g) => g.settings.map((s) => s.name)));
  // PORT and HOST are where wrangler listens (flags below), not settings of the Worker.
  declared.delete('PORT');
  declared.delete('HOST');
  const lines: string[] = [];
  for (const name of [...declared].sort()) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    lines.push(`${name}=${quoted(value)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A dotenv value read back as is: single quotes keep everything literal; a value holding one (or a line break) is double-quoted. */
function quoted(value: string): string {
  if (!value.includes("'") && !value.includes('\n')) return `'${value}'`;
  return `"${value.replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`;
}
