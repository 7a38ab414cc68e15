import { z } from 'zod';
import type { ActionRegistry } from '../../connectors/registry.js';
import { withActionParams } from '../recipes/json-schema.js';
import { CampaignDefinition } from './definition.js';

/**
 * JSON Schema of a campaign file, for editor completion (`# yaml-language-server: $schema=./schema.json`
 * in campaigns/). Generated from the zod schema the CLI and `POST /api/campaigns` validate with;
 * the action's parameter names come from its own zod schema, as in recipes.
 */
export function campaignJsonSchema(registry: ActionRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(CampaignDefinition, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  withActionParams(schema, registry);
  return { $id: 'https://closeloop.dev/schema/campaign.json', title: 'closeloop campaign', ...schema };
}
