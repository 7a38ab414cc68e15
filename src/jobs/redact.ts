import type { ConnectorDefinition, Env } from '../../connectors/connector.js';
import type { SourceAdapter } from '../sources/source.js';

/**
 * Removes secrets from text that is about to be stored or shown (a job's last error, an attempt's
 * error, a log line, an operator alert): the values of every secret variable, wherever a vendor
 * echoed them, and anything shaped like a credential (an Authorization value, a Slack token).
 */
export type Redact = (text: string) => string;

/** `Bearer …`/`Basic …` followed by a token (at least one digit, so "Basic authentication" stays). */
const AUTHORIZATION_VALUE = /\b(Bearer|Basic)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}/gi;
const SLACK_TOKEN = /\bxox[abposer]-[A-Za-z0-9-]{6,}/g;
/** Shorter values (a placeholder like "x") would blank ordinary words, and are not real secrets. */
const MIN_SECRET_LENGTH = 6;

/**
 * Every variable whose value is a secret, from what the code declares: connectors' secret
 * variables, each source's webhook secret and secret settings (vendor API tokens), and the hub's
 * own (`hubSecrets`, e.g. CLOSELOOP_ADMIN_TOKEN). A new connector or source is covered by declaring it.
 */
export function secretVariables(connectors: readonly ConnectorDefinition[], sources: Iterable<SourceAdapter>, hubSecrets: readonly string[] = []): string[] {
  const names = new Set<string>(hubSecrets);
  for (const c of connectors) for (const v of c.variables) if (v.secret) names.add(v.name);
  for (const s of sources) {
    names.add(s.secretVariable);
    for (const setting of s.settings) if (setting.secret) names.add(setting.name);
  }
  return [...names];
}

/** The values of those variables that are set in `env`. */
export function secretValues(names: readonly string[], env: Env): string[] {
  return names.map((n) => env[n]).filter((v): v is string => typeof v === 'string');
}

/**
 * A redactor of these secret values (and of their JSON-escaped form, as a log line holds them),
 * in one pass over the text, and of credential-shaped text.
 */
export function secretRedactor(values: readonly string[]): Redact {
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_SECRET_LENGTH) continue;
    forms.add(v);
    forms.add(JSON.stringify(v).slice(1, -1));
    forms.add(encodeURIComponent(v));
  }
  // Longest first, so a secret that contains another is removed whole.
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    const out = pattern ? text.replace(pattern, '[redacted]') : text;
    return out.replace(AUTHORIZATION_VALUE, '$1 [redacted]').replace(SLACK_TOKEN, '[redacted]');
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
