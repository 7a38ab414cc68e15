import { stemmer } from 'stemmer';

/**
 * Text as theme rules match it: Unicode-decomposed with accents dropped (`café` → `cafe`),
 * lower case, apostrophes removed (`don't` → `dont`), split on anything but letters and digits.
 */
export function wordsOf(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’ʼ`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** {@link wordsOf}, each word reduced to its Porter stem (`billing`, `billed`, `bills` → `bill`). */
export function stemsOf(text: string): string[] {
  return wordsOf(text).map((w) => stemmer(w));
}
