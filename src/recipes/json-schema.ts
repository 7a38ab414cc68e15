import { z } from 'zod';
import type { ActionRegistry } from '../../connectors/registry.js';
import { RecipeFile } from './schema.js';

/**
 * JSON Schema of a recipe file, for editor completion (`# yaml-language-server: $schema=./schema.json`).
 * Generated from the zod schema; each action's parameter names come from its own zod schema
 * (values stay free-form, since they are templates).
 */
export function recipeJsonSchema(registry: ActionRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(RecipeFile, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  withActionParams(schema.properties.actions.items, registry);
  return { $id: 'https://closeloop.dev/schema/recipe.json', title: 'closeloop recipe', ...schema };
}

/**
 * Types an object's `action` and `params` (a recipe's action, a campaign) in place: `action` one of
 * the registered actions, and `params` that action's parameter names, each described, no others.
 */
export function withActionParams(object: Record<string, any>, registry: ActionRegistry): void {
  object.properties.action.enum = [...registry.keys()].sort();
  object.allOf = [...registry.values()].map(({ fullName, action }) => {
    const params = z.toJSONSchema(action.params, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
    const properties = Object.fromEntries(
      Object.entries<Record<string, unknown>>(params.properties ?? {}).map(([k, v]) => [k, v.description ? { description: v.description } : {}]),
    );
    return {
      if: { properties: { action: { const: fullName } } },
      then: { properties: { params: { type: 'object', description: action.summary, properties, required: params.required ?? [], additionalProperties: false } } },
    };
  });
}
