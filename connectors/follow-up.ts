import type { ResponseChange } from './connector.js';

/** What changed, in words, for a comment on a ticket or a reply in a thread. */
export interface ChangeSummary {
  /** One sentence: "The respondent added a comment (delighted, version 2)." */
  headline: string;
  /** The new comment, when it is new or changed; null otherwise. */
  comment: string | null;
}

/**
 * Whether a newer version changes what was sent: a score or a comment that is now there and
 * different. A comment or score that disappeared is not worth a follow-up (nothing to add).
 */
export function changeSummary(change: ResponseChange): ChangeSummary | null {
  const { response: r, previous: p } = change;
  const scoreChanged = r.score !== null && r.score !== p.score;
  const commentChanged = r.comment !== null && r.comment !== p.comment;
  if (!scoreChanged && !commentChanged) return null;
  const what: string[] = [];
  if (scoreChanged) what.push(p.score === null ? `answered ${r.score}/${r.scale.max}` : `changed the score from ${p.score} to ${r.score}/${r.scale.max}`);
  if (commentChanged) what.push(p.comment === null ? 'added a comment' : 'changed the comment');
  return {
    headline: `The respondent ${what.join(' and ')} (${r.source}, version ${r.version}).`,
    comment: commentChanged ? r.comment : null,
  };
}
