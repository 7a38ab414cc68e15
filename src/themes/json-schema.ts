import { z } from 'zod';
import { ThemeRulesFile } from './theme-rules.js';

/** JSON Schema of the theme rules file, for editor completion (`# yaml-language-server: $schema=./themes.schema.json`). */
export function themesJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ThemeRulesFile, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://closeloop.dev/schema/themes.json', title: 'closeloop theme rules', ...schema };
}
