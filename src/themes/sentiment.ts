import Sentiment from 'sentiment';

// One analyser for the process: AFINN-165's word list (and emoji), loaded once.
const afinn = new Sentiment();

/**
 * The AFINN sentiment score of a text (the `sentiment` library): the sum of its words' scores,
 * each −5…+5, a word after a negator (`not`, `don't`) counted with the opposite sign. 0 for no
 * text. No `extras` (the library merges them into its shared word list) and no callback (it
 * would schedule with `process.nextTick`, which Workers lack).
 */
export function sentimentOf(text: string | null): number {
  if (!text) return 0;
  // The library's negators are spelled with a straight apostrophe.
  return afinn.analyze(text.replace(/[’ʼ]/g, "'")).score;
}
