import type { Env } from '../core/env.js';
import type { FieldIssue } from '../core/errors.js';
import type { SourceAdapter } from './source.js';
import { generic } from './generic.js';
import { typeform } from './typeform.js';
import { delighted } from './delighted.js';
import { wootric } from './wootric.js';
import { survicate } from './survicate.js';
import { asknicely } from './asknicely.js';
import { retently } from './retently.js';
import { refiner } from './refiner.js';
import { hotjar } from './hotjar.js';
import { zendeskCsat } from './zendesk-csat.js';
import { intercomCsat } from './intercom-csat.js';
import { hubspot } from './hubspot.js';
import { surveymonkey } from './surveymonkey.js';
import { qualtrics } from './qualtrics.js';

/** Every survey source, by URL name. Adding one is one line here. */
export const SOURCES: ReadonlyMap<string, SourceAdapter> = new Map(
  [
    generic,
    typeform,
    delighted,
    wootric,
    survicate,
    asknicely,
    retently,
    refiner,
    hotjar,
    zendeskCsat,
    intercomCsat,
    hubspot,
    surveymonkey,
    qualtrics,
  ].map((s) => [s.name, s]),
);

/** Every configured source secret (or source setting) that cannot work, as field issues naming the variable. */
export function sourceSecretProblems(env: Env, sources: ReadonlyMap<string, SourceAdapter> = SOURCES): FieldIssue[] {
  return [...sources.values()].flatMap((s) => {
    const secret = env[s.secretVariable];
    const problem = secret ? s.secretProblem?.(secret) : undefined;
    return [...(problem ? [{ field: s.secretVariable, message: problem }] : []), ...(s.settingsProblems?.(env) ?? [])];
  });
}

/**
 * Every name in a list of sources (CLOSELOOP_SOURCES, CLOSELOOP_ALLOW_UNSIGNED) that is no
 * source, as field issues naming the variable.
 */
export function sourceListProblems(lists: Record<string, readonly string[] | undefined>, sources: ReadonlyMap<string, SourceAdapter> = SOURCES): FieldIssue[] {
  return Object.entries(lists).flatMap(([variable, names]) =>
    (names ?? []).filter((n) => !sources.has(n)).map((n) => ({ field: variable, message: `"${n}" is not a source (known: ${[...sources.keys()].join(', ')})` })),
  );
}
