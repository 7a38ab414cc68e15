import type { ConnectorDefinition, Env } from './connector.js';

export interface ConnectorCheck {
  connector: string;
  title: string;
  /** `ok`: the harmless call worked; `failed`: it did not (see detail); `sandbox`: no credentials; `unchecked`: no verify call. */
  status: 'ok' | 'failed' | 'sandbox' | 'unchecked';
  /** Who the credentials belong to, or what to fix. Never contains a secret. */
  detail: string;
}

/**
 * `closeloop check --connectors`: one harmless read-only call per configured connector (who am
 * I), through the same SDK client and error classification as delivery, so a failure reads the
 * same as on a job (naming the variable to fix). Connectors are checked one after the other.
 */
export async function verifyConnectors(connectors: readonly ConnectorDefinition[], env: Env): Promise<ConnectorCheck[]> {
  const checks: ConnectorCheck[] = [];
  for (const c of connectors) {
    const base = { connector: c.name, title: c.title };
    if (!c.configured(env)) {
      const required = c.variables.filter((v) => v.secret).map((v) => v.name);
      checks.push({ ...base, status: 'sandbox', detail: `no credentials: sandbox mode (set ${required.join(', ') || 'its variables'})` });
      continue;
    }
    if (!c.verify) {
      checks.push({ ...base, status: 'unchecked', detail: 'credentials set; this connector has no check call' });
      continue;
    }
    try {
      checks.push({ ...base, status: 'ok', detail: await c.verify(c.createClient(env)) });
    } catch (error) {
      checks.push({ ...base, status: 'failed', detail: c.classify(error).message });
    }
  }
  return checks;
}
