import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { themesJsonSchema } from '../../src/themes/json-schema.js';
import { loadThemeRules, parseThemeRules } from '../../src/themes/parse-themes.js';
import { ThemeLoadError } from '../../src/themes/theme-rules.js';
import { TAGGED_CHARACTERS, themeTagger } from '../../src/themes/tagger.js';
import { sentimentOf } from '../../src/themes/sentiment.js';
import { stemsOf, wordsOf } from '../../src/themes/words.js';

const FILE = 'recipes/themes.yaml';
const tagger = (text: string) => themeTagger(loadThemeRules({ file: FILE, text }));
const themesOf = (text: string, comment: string) => tagger(text).tag(comment).themes;

const BILLING = `themes:
  billing:
    keywords: [bill]
    phrases: [credit card]
`;

describe('theme rules: matching', () => {
  it('a keyword matches by its stem: "bill" matches billing, billed, bills — and not unrelated words', () => {
    for (const comment of ['Billing is a mess', 'we were billed twice', 'Your bills are wrong', 'one bill']) {
      expect(themesOf(BILLING, comment), comment).toEqual(['billing']);
    }
    for (const comment of ['Billy was great', 'a billion features', 'no complaints']) {
      expect(themesOf(BILLING, comment), comment).toEqual([]);
    }
    // The keyword itself is stemmed too: written "billing", it still matches "bills".
    expect(themesOf('themes:\n  billing:\n    keywords: [billing]\n', 'your bills')).toEqual(['billing']);
  });

  it('a phrase matches as its stems in a row, not as words scattered in the comment', () => {
    expect(themesOf(BILLING, 'They charged my Credit-Cards twice')).toEqual(['billing']);
    expect(themesOf(BILLING, 'I got credit for the card game')).toEqual([]);
    expect(themesOf(BILLING, 'card credit')).toEqual([]);
  });

  it('case, accents and punctuation are folded before matching', () => {
    const rules = 'themes:\n  cafe:\n    keywords: [café]\n    phrases: ["naïve user"]\n';
    for (const comment of ['CAFE!!!', 'the Café.', 'cafés,and more', 'a NAIVE-user...', 'naïve users']) {
      expect(themesOf(rules, comment), comment).toEqual(['cafe']);
    }
    expect(wordsOf("Don't  BREAK—the façade’s (ok?)")).toEqual(['dont', 'break', 'the', 'facades', 'ok']);
    expect(stemsOf('Billing, billed & bills')).toEqual(['bill', 'bill', 'bill']);
  });

  it('an exclusion keeps the theme off even when a keyword matches; other themes are unaffected', () => {
    const rules = 'themes:\n  bugs:\n    keywords: [bug, crash]\n    exclude: [bug free]\n  speed:\n    keywords: [slow]\n';
    expect(themesOf(rules, 'It crashes daily')).toEqual(['bugs']);
    expect(themesOf(rules, 'Bug-free but slow')).toEqual(['speed']);
    expect(themesOf(rules, 'bug free, crashes never')).toEqual([]);
  });

  it('themes come in the file order; no comment means no theme and sentiment 0', () => {
    const t = tagger('themes:\n  z-last:\n    keywords: [slow]\n  a-first:\n    keywords: [price]\n');
    expect(t.tag('pricey and slow, the prices too').themes).toEqual(['z-last', 'a-first']);
    expect(t.tag(null)).toEqual({ themes: [], sentiment: 0 });
    expect(t.tag('')).toEqual({ themes: [], sentiment: 0 });
  });

  it('only the first TAGGED_CHARACTERS of a comment are tagged (a huge comment costs a bounded time)', () => {
    const t = tagger(BILLING);
    const padding = 'x '.repeat(TAGGED_CHARACTERS / 2); // exactly TAGGED_CHARACTERS characters
    expect(t.tag(`${padding}bill awful`)).toEqual({ themes: [], sentiment: 0 });
    expect(t.tag(`${padding.slice(4)}bill awful`)).toEqual({ themes: ['billing'], sentiment: 0 }); // "awful" starts past the limit
    expect(t.tag(`${padding.slice(10)}bill awful`)).toEqual({ themes: ['billing'], sentiment: -3 });
  });

  it('the shipped recipes/themes.yaml loads with its seven themes and tags typical verbatims', () => {
    const t = tagger(readFileSync(FILE, 'utf8'));
    expect(t.rules.themes.map((x) => x.name)).toEqual(['billing', 'onboarding', 'support', 'performance', 'ease-of-use', 'features', 'bugs']);
    expect(t.tag('We were billed twice and the invoice is wrong').themes).toEqual(['billing']);
    expect(t.tag('Setting up took a week, the docs are thin').themes).toEqual(['onboarding']);
    expect(t.tag('Customer service never got back to me').themes).toEqual(['support']);
    expect(t.tag('Pages take forever to load, so slow').themes).toEqual(['performance']);
    expect(t.tag('Really intuitive and easy to use').themes).toEqual(['ease-of-use']);
    expect(t.tag('Would love a Salesforce integration').themes).toEqual(['features']);
    expect(t.tag('The export crashed again').themes).toEqual(['features', 'bugs']);
    expect(t.tag('No bugs so far').themes).toEqual([]);
  });
});

describe('sentiment (AFINN)', () => {
  it('scores words, flips a negated one, reads curly apostrophes, 0 for no text', () => {
    expect(sentimentOf('I love it, great product')).toBe(6); // love 3 + great 3
    expect(sentimentOf('terrible and slow')).toBe(-3); // terrible −3
    expect(sentimentOf("I don't like it")).toBe(-2); // like 2, negated
    expect(sentimentOf('I don’t like it')).toBe(-2);
    expect(sentimentOf('the export')).toBe(0);
    expect(sentimentOf(null)).toBe(0);
    expect(themeTagger({ file: null, themes: [] }).tag('awful, just awful')).toEqual({ themes: [], sentiment: -6 });
  });
});

describe('rules fingerprint', () => {
  it('changes with what decides the tags, not with a label or the layout', async () => {
    const base = await tagger(BILLING).fingerprint();
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await tagger(`# a comment\n${BILLING}`).fingerprint()).toBe(base);
    expect(await tagger(BILLING.replace('billing:', 'billing:\n    label: Money')).fingerprint()).toBe(base);
    expect(await tagger(BILLING.replace('[bill]', '[bill, invoice]')).fingerprint()).not.toBe(base);
    expect(await tagger(BILLING.replace('billing:', 'money:')).fingerprint()).not.toBe(base);
  });
});

describe('theme rules: errors with file, line and field', () => {
  const issuesOf = (text: string) => parseThemeRules({ file: FILE, text }).issues;

  it('YAML syntax and duplicate themes', () => {
    expect(issuesOf('themes:\n  billing:\n    keywords: [bill\n')).toEqual([
      expect.objectContaining({ file: FILE, line: 4, field: '(yaml)' }),
    ]);
    expect(issuesOf('themes:\n  billing:\n    keywords: [bill]\n  billing:\n    keywords: [invoice]\n')).toEqual([
      { file: FILE, line: 4, column: 3, field: '(yaml)', message: 'Map keys must be unique' },
    ]);
  });

  it('schema problems on their own line: unknown key, bad name, wrong type, missing themes', () => {
    expect(issuesOf('themes:\n  billing:\n    keywords: [bill]\n    keyword: [invoice]\n')).toEqual([
      { file: FILE, line: 4, column: 14, field: 'themes.billing.keyword', message: 'unknown key "keyword"' },
    ]);
    expect(issuesOf('themes:\n  Billing Stuff:\n    keywords: [bill]\n')).toEqual([
      { file: FILE, line: 2, column: 3, field: 'themes.Billing Stuff', message: 'must be lowercase letters, digits and dashes (e.g. ease-of-use)' },
    ]);
    expect(issuesOf('themes:\n  billing:\n    keywords: bill\n')).toEqual([
      { file: FILE, line: 3, column: 15, field: 'themes.billing.keywords', message: 'Invalid input: expected array, received string' },
    ]);
    expect(issuesOf('theme: {}\n')).toEqual([
      { file: FILE, line: 1, column: 1, field: 'themes', message: 'is required' },
      { file: FILE, line: 1, column: 8, field: 'theme', message: 'unknown key "theme"' },
    ]);
  });

  it('a keyword of several words, a term without letters, a theme with nothing to match', () => {
    expect(issuesOf('themes:\n  billing:\n    keywords: [bill, credit card, "!!!"]\n  empty:\n    exclude: [x]\n')).toEqual([
      { file: FILE, line: 3, column: 22, field: 'themes.billing.keywords[1]', message: '"credit card" is 2 words: put it under phrases' },
      { file: FILE, line: 3, column: 35, field: 'themes.billing.keywords[2]', message: '"!!!" has no letter or digit to match' },
      { file: FILE, line: 5, column: 5, field: 'themes.empty', message: 'needs at least one keyword or phrase' },
    ]);
  });

  it('loadThemeRules throws one error listing file:line:column field: message', () => {
    expect(() => loadThemeRules({ file: FILE, text: 'themes:\n  billing:\n    keywords: [bill]\n    keyword: [invoice]\n' })).toThrow(
      new ThemeLoadError([{ file: FILE, line: 4, column: 14, field: 'themes.billing.keyword', message: 'unknown key "keyword"' }]),
    );
    expect(() => loadThemeRules({ file: FILE, text: 'themes:\n  billing:\n    keywords: [credit card]\n  empty:\n    label: Empty\n' })).toThrow(
      'Invalid theme rules:\nrecipes/themes.yaml:3:16 themes.billing.keywords[0]: "credit card" is 2 words: put it under phrases\nrecipes/themes.yaml:5:5 themes.empty: needs at least one keyword or phrase',
    );
  });
});

describe('recipes/themes.schema.json (editor completion)', () => {
  it('is exactly what `npm run schema` writes now; the shipped rules validate against it, typos do not', () => {
    expect(readFileSync('recipes/themes.schema.json', 'utf8')).toBe(JSON.stringify(themesJsonSchema(), null, 2) + '\n');
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync('recipes/themes.schema.json', 'utf8')));
    const shipped = parseYaml(readFileSync(FILE, 'utf8')) as { themes: Record<string, Record<string, unknown>> };
    expect(validate(shipped)).toBe(true);
    expect(validate({ themes: { billing: { keyword: ['bill'] } } })).toBe(false);
    expect(validate.errors!.map((e) => e.message)).toContain('must NOT have additional properties');
    expect(validate({ themes: { 'Billing Stuff': { keywords: ['bill'] } } })).toBe(false);
  });
});
