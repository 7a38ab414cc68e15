/** NPS facts: score 0–10; promoter 9–10, passive 7–8, detractor 0–6. */
export type NpsCategory = 'promoter' | 'passive' | 'detractor';

/** Category of an NPS score. Throws RangeError on anything but an integer 0–10. */
export function npsCategory(score: number): NpsCategory {
  if (!Number.isInteger(score) || score < 0 || score > 10) {
    throw new RangeError(`NPS score must be an integer from 0 to 10, got ${score}`);
  }
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

export interface NpsFigures {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** %promoters − %detractors, −100…+100, rounded to one decimal; null with no responses. */
  nps: number | null;
}

/** NPS over a set of category counts. */
export function npsFromCounts(counts: { promoters: number; passives: number; detractors: number }): NpsFigures {
  const responses = counts.promoters + counts.passives + counts.detractors;
  const nps = responses === 0 ? null : roundToTenth(((counts.promoters - counts.detractors) / responses) * 100);
  return { responses, ...counts, nps };
}

/**
 * Half away from zero, symmetric for gains and losses (Math.round alone sends −12.25 to −12.2
 * but 12.25 to 12.3), and never −0.
 */
function roundToTenth(value: number): number {
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10;
  return rounded === 0 ? 0 : rounded;
}

/** NPS over a list of scores. */
export function npsFromScores(scores: readonly number[]): NpsFigures {
  const counts = { promoters: 0, passives: 0, detractors: 0 };
  for (const s of scores) counts[`${npsCategory(s)}s` as const] += 1;
  return npsFromCounts(counts);
}
