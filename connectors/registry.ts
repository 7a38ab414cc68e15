import type { ActionDefinition, ConnectorDefinition, ConnectorRuntime, Env } from './connector.js';
import { slack } from './slack/index.js';
import { zendesk } from './zendesk/index.js';
import { intercom } from './intercom/index.js';
import { hubspot } from './hubspot/index.js';
import { salesforce } from './salesforce/index.js';
import { webhook } from './webhook/index.js';

/** Every connector the hub knows. Adding one is one line here. */
export const CONNECTORS: readonly ConnectorDefinition[] = [slack, zendesk, intercom, hubspot, salesforce, webhook];

export interface RegisteredAction {
  /** `zendesk.createTicket` */
  fullName: string;
  connector: ConnectorDefinition;
  action: ActionDefinition;
}

export type ActionRegistry = ReadonlyMap<string, RegisteredAction>;

export function actionRegistry(connectors: readonly ConnectorDefinition[] = CONNECTORS): ActionRegistry {
  const map = new Map<string, RegisteredAction>();
  for (const connector of connectors) {
    for (const action of connector.actions) {
      const fullName = `${connector.name}.${action.name}`;
      map.set(fullName, { fullName, connector, action });
    }
  }
  return map;
}

/**
 * SDK clients, created on first use from the environment; null for a connector with no
 * credentials (sandbox mode).
 */
export class ConnectorClients {
  private readonly clients = new Map<string, unknown>();
  constructor(
    private readonly env: Env,
    private readonly runtime: ConnectorRuntime = {},
  ) {}

  isSandboxed(connector: ConnectorDefinition): boolean {
    return !connector.configured(this.env);
  }

  get(connector: ConnectorDefinition): unknown {
    if (!this.clients.has(connector.name)) this.clients.set(connector.name, connector.createClient(this.env, this.runtime));
    return this.clients.get(connector.name);
  }
}
