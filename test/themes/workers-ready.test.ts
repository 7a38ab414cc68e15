import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The themes code must run on Workers: bundled for a platform with no Node built-ins (esbuild's
 * `browser`), every import resolves — stemmer (ESM), sentiment (CommonJS reading its JSON word
 * lists), the store's SQL and the routes — and the bundle tags a comment.
 */
describe('themes on a runtime without Node', () => {
  it('bundle with no Node built-in, and work', async () => {
    const result = await build({
      stdin: {
        contents: `
          import { themeTagger } from './src/themes/tagger.ts';
          import { loadThemeRules } from './src/themes/parse-themes.ts';
          export { registerThemeRoutes } from './src/http/themes.ts';
          export { retagHistory } from './src/themes/retag.ts';
          export { verbatimsQuery } from './src/store/theme-tags.ts';
          export const tag = (text) => themeTagger(loadThemeRules({ file: 't.yaml', text: 'themes:\\n  billing:\\n    keywords: [bill]\\n' })).tag(text);`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      // As wrangler resolves packages for workerd: `browser` builds (liquidjs, pulled in by the
      // recipe parser, has one), and a Node built-in does not resolve.
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bfrom\s*["']node:|require\(["']node:/);
    const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    expect(module.tag("We were billed twice, it's awful")).toEqual({ themes: ['billing'], sentiment: -3 });
  });
});
