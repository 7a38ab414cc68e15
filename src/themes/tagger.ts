import type { CompiledTheme, ThemeRules } from './theme-rules.js';
import { sentimentOf } from './sentiment.js';
import { stemsOf } from './words.js';

/** What a response's comment is tagged with: stored, and seen by recipes as `response.themes` and `response.sentiment`. */
export interface ThemeTags {
  /** Names of the themes the comment mentions, in the rules file's order. */
  themes: string[];
  /** AFINN sentiment score of the comment (0 with no comment). */
  sentiment: number;
}

export const NO_TAGS: ThemeTags = { themes: [], sentiment: 0 };

/**
 * Characters of a comment that are tagged (about 3,000 words, far past any real verbatim): a
 * megabyte-long comment would otherwise hold the event loop for most of a second while planned.
 */
export const TAGGED_CHARACTERS = 20_000;

/** Bumped when matching changes in a way that calls for re-tagging (another stemmer, normalisation, word list). */
const MATCHING_VERSION = 'porter-stemmer-2/afinn-165/v1';

export interface ThemeTagger {
  rules: ThemeRules;
  /** Themes and sentiment of a comment. */
  tag(comment: string | null): ThemeTags;
  /**
   * SHA-256 of what decides the tags (every theme's stems and the matching version), stored with
   * each tagged response: re-tagging skips the responses already tagged by these rules.
   */
  fingerprint(): Promise<string>;
}

/** Tag comments with compiled rules: a term matches where its stems appear in a row. */
export function themeTagger(rules: ThemeRules): ThemeTagger {
  let fingerprint: Promise<string> | undefined;
  return {
    rules,
    tag(full) {
      if (!full) return NO_TAGS;
      const comment = full.length > TAGGED_CHARACTERS ? full.slice(0, TAGGED_CHARACTERS) : full;
      const stems = stemsOf(comment);
      const seen = new Set(stems);
      // A term whose stems are not all in the comment is out at once; only the rest are scanned for.
      const present = (terms: string[][]) => terms.some((t) => t.every((s) => seen.has(s)) && (t.length === 1 || containsRun(stems, t)));
      return {
        themes: rules.themes.filter((t: CompiledTheme) => present(t.terms) && !present(t.exclude)).map((t) => t.name),
        sentiment: sentimentOf(comment),
      };
    },
    fingerprint() {
      fingerprint ??= sha256(JSON.stringify([MATCHING_VERSION, rules.themes.map((t) => [t.name, t.terms, t.exclude])]));
      return fingerprint;
    },
  };
}

/** Whether `run` occurs in `stems` as consecutive items. */
function containsRun(stems: string[], run: string[]): boolean {
  const first = run[0]!;
  for (let i = stems.indexOf(first); i !== -1 && i + run.length <= stems.length; i = stems.indexOf(first, i + 1)) {
    if (run.every((s, j) => stems[i + j] === s)) return true;
  }
  return false;
}

/** Web Crypto: the same on Node and Workers. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
