/**
 * The responses the delivery tests send (generic source, shipped recipes) and what the recipes
 * must do with them: 40% detractors (a Zendesk ticket and a Slack alert each), 20% passives, 40%
 * promoters (an Intercom event each, every respondent distinct so the 90-day throttle never
 * holds one back); two in three carry a comment (a Slack verbatim each).
 */
export function responseBody(i: number, prefix = 'r') {
  const bucket = i % 10;
  const score = bucket < 4 ? i % 7 : bucket < 6 ? 7 + (i % 2) : 9 + (i % 2);
  return {
    response_id: `${prefix}-${i}`,
    score,
    email: `respondent-${prefix}-${i}@example.com`,
    name: `Respondent ${i}`,
    ...(i % 3 !== 0 ? { comment: `Comment ${i}: ${score < 7 ? 'exports are too slow' : 'great support'}` } : {}),
  };
}

export function expectedActions(responses: number, prefix = 'r') {
  let tickets = 0;
  let events = 0;
  let verbatims = 0;
  for (let i = 0; i < responses; i++) {
    const r = responseBody(i, prefix);
    if (r.score <= 6) tickets++;
    if (r.score >= 9) events++;
    if ('comment' in r) verbatims++;
  }
  // Every detractor also gets a Slack alert.
  return { tickets, alerts: tickets, events, verbatims, total: tickets * 2 + events + verbatims };
}

/** A small seeded PRNG, so a failing run can be replayed exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
