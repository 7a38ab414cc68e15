import type { Env } from '../core/env.js';
import type { SourceAdapter } from './source.js';
import { unsignedStatus, type WebhookPolicyOptions } from './webhook-policy.js';

/** One source as `closeloop sources` shows it. Values of variables are never included: only whether they are set. */
export interface SourceListing {
  name: string;
  title: string;
  url: string;
  secretVariable: string;
  secretSet: boolean;
  /** Takes webhooks (CLOSELOOP_SOURCES); false: answers 404. */
  enabled: boolean;
  /** How a request is checked: signed (its secret is set), or without a secret: accepted (sandbox, or allowed) or refused. */
  signing: ReturnType<typeof unsignedStatus>;
  settings: { name: string; set: boolean; description: string }[];
}

/** What each source needs: its endpoint, whether its secret is set, and its settings. */
export function listSources(sources: Iterable<SourceAdapter>, env: Env, baseUrl: string, policy: Omit<WebhookPolicyOptions, 'env'>): SourceListing[] {
  const isSet = (name: string) => Boolean(env[name]);
  return [...sources].map((s) => ({
    name: s.name,
    title: s.title,
    url: `${baseUrl.replace(/\/$/, '')}/webhooks/${s.name}`,
    secretVariable: s.secretVariable,
    secretSet: isSet(s.secretVariable),
    enabled: !policy.enabled || policy.enabled.includes(s.name),
    signing: unsignedStatus(s, { ...policy, env }),
    settings: s.settings.map((setting) => ({ name: setting.name, set: isSet(setting.name), description: setting.description })),
  }));
}

const SIGNING: Record<SourceListing['signing'], (name: string) => string> = {
  signed: () => 'is set: unsigned or wrongly signed requests get 401',
  'unsigned-sandbox': () => 'is NOT set: requests are accepted unsigned while every connector is in sandbox mode',
  'unsigned-allowed': () => 'is NOT set: requests are accepted unsigned (CLOSELOOP_ALLOW_UNSIGNED)',
  refused: (name) => `is NOT set: requests are refused (401) because connectors have credentials; set it, or CLOSELOOP_ALLOW_UNSIGNED=${name}`,
};

/** Human-readable lines for the CLI. */
export function formatSourceListing(listing: readonly SourceListing[]): string {
  const blocks = listing.map((s) => {
    const lines = [
      `${s.name}  (${s.title})`,
      `  endpoint  ${s.url}`,
      `  secret    ${s.secretVariable} ${SIGNING[s.signing](s.name)}`,
    ];
    if (!s.enabled) lines.push('  enabled   no: not in CLOSELOOP_SOURCES, webhooks answer 404');
    for (const setting of s.settings) lines.push(`  setting   ${setting.name} ${setting.set ? '(set)' : '(not set)'}: ${setting.description}`);
    if (s.settings.length === 0) lines.push('  setting   none needed');
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
