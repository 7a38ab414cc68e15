import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubConfig } from '../../core/config.js';
import { HubError } from '../../core/errors.js';
import { loadThemeRules } from '../../themes/parse-themes.js';
import { themeTagger, type ThemeTagger } from '../../themes/tagger.js';
import { NO_THEME_RULES } from '../../themes/theme-rules.js';
import { displayPath, THEMES_FILE_NAME } from './recipes-dir.js';

/**
 * The theme rules of CLOSELOOP_THEMES (default: `themes.yaml` in CLOSELOOP_RECIPES), validated;
 * throws a ThemeLoadError with file:line for each problem. No default file: no themes, sentiment only.
 */
export function loadThemesFile(config: Pick<HubConfig, 'CLOSELOOP_THEMES' | 'CLOSELOOP_RECIPES'>): ThemeTagger {
  const path = config.CLOSELOOP_THEMES ?? join(config.CLOSELOOP_RECIPES, THEMES_FILE_NAME);
  if (!existsSync(path)) {
    if (config.CLOSELOOP_THEMES === undefined) return themeTagger(NO_THEME_RULES);
    throw new HubError(400, 'invalid_config', `Invalid configuration: CLOSELOOP_THEMES ${path}: no such file`, [{ field: 'CLOSELOOP_THEMES', message: 'no such file' }]);
  }
  return themeTagger(loadThemeRules({ file: displayPath(path), text: readFileSync(path, 'utf8') }));
}
