import type { Env } from '../../connectors/connector.js';
import type { SourceAdapter } from './source.js';

/** One source as `closeloop sources` shows it. Values of variables are never included: only whether they are set. */
export interface SourceListing {
  name: string;
  title: string;
  url: string;
  secretVariable: string;
  secretSet: boolean;
  settings: { name: string; set: boolean; description: string }[];
}

/** What each source needs: its endpoint, whether its secret is set, and its settings. */
export function listSources(sources: Iterable<SourceAdapter>, env: Env, baseUrl: string): SourceListing[] {
  const isSet = (name: string) => Boolean(env[name]);
  return [...sources].map((s) => ({
    name: s.name,
    title: s.title,
    url: `${baseUrl.replace(/\/$/, '')}/webhooks/${s.name}`,
    secretVariable: s.secretVariable,
    secretSet: isSet(s.secretVariable),
    settings: s.settings.map((setting) => ({ name: setting.name, set: isSet(setting.name), description: setting.description })),
  }));
}

/** Human-readable lines for the CLI. */
export function formatSourceListing(listing: readonly SourceListing[]): string {
  const blocks = listing.map((s) => {
    const lines = [
      `${s.name}  (${s.title})`,
      `  endpoint  ${s.url}`,
      `  secret    ${s.secretVariable} ${s.secretSet ? 'is set: unsigned or wrongly signed requests get 401' : 'is NOT set: requests are accepted unsigned'}`,
    ];
    for (const setting of s.settings) lines.push(`  setting   ${setting.name} ${setting.set ? '(set)' : '(not set)'}: ${setting.description}`);
    if (s.settings.length === 0) lines.push('  setting   none needed');
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
