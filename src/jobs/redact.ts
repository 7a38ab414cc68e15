import type { ConnectorDefinition, Env } from '../../connectors/connector.js';

/**
 * Removes secrets from text that is about to be stored or shown (a job's last error, an attempt's
 * error): the values of every connector's secret variables, wherever a vendor echoed them, and
 * anything shaped like a credential (an Authorization value, a Slack token).
 */
export type Redact = (text: string) => string;

/** `Bearer …`/`Basic …` followed by a token (at least one digit, so "Basic authentication" stays). */
const AUTHORIZATION_VALUE = /\b(Bearer|Basic)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}/gi;
const SLACK_TOKEN = /\bxox[abposer]-[A-Za-z0-9-]{6,}/g;

export function secretRedactor(connectors: readonly ConnectorDefinition[], env: Env): Redact {
  // Longest first, so a secret that contains another is removed whole. Short values (a
  // placeholder like "x") would blank ordinary words, and are not real secrets.
  const values = connectors
    .flatMap((c) => c.variables.filter((v) => v.secret).map((v) => env[v.name]))
    .filter((v): v is string => typeof v === 'string' && v.length >= 6)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join('[redacted]');
    return out.replace(AUTHORIZATION_VALUE, '$1 [redacted]').replace(SLACK_TOKEN, '[redacted]');
  };
}
