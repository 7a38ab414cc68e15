import { z } from 'zod';
import type { StoredResponse } from '../../core/response.js';
import { Category } from '../../core/response.js';
import { parseSince } from '../../core/time.js';
import { ROLLED_UP_DIMENSIONS } from '../../insights/segments.js';
import type { ResponseSearch } from '../../store/response-search.js';
import type { DashboardDeps } from '../deps.js';
import { when } from '../components/format.js';
import { Layout } from '../components/layout.js';

/** An empty form field is no filter. */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const Score = z.coerce.number().int().min(0).max(10);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-03-02');

/** The search form's fields, as the query string carries them. */
export const ResponseSearchQuery = z
  .object({
    email: optional(z.string().max(320)),
    text: optional(z.string().max(200)),
    minScore: optional(Score),
    maxScore: optional(Score),
    category: optional(Category),
    segment: optional(z.enum(ROLLED_UP_DIMENSIONS)),
    value: optional(z.string().max(200)),
    theme: optional(z.string().max(64)),
    from: optional(Day),
    to: optional(Day),
    before: optional(z.string().max(64)),
  })
  .refine((q) => q.minScore === undefined || q.maxScore === undefined || q.minScore <= q.maxScore, { path: ['maxScore'], message: 'must be at least the lowest score' })
  .refine((q) => (q.segment === undefined) === (q.value === undefined), { path: ['value'], message: 'a segment needs both its dimension and its value' });
export type ResponseSearchQuery = z.output<typeof ResponseSearchQuery>;

export const PAGE_SIZE = 50;

export interface SearchData {
  query: ResponseSearchQuery;
  responses: StoredResponse[];
  themes: string[];
  next: string | null;
}

/** The store search the form describes (`to` is the whole day). */
export function toSearch(q: ResponseSearchQuery): ResponseSearch {
  const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
  return {
    email: q.email,
    text: q.text,
    minScore: q.minScore,
    maxScore: q.maxScore,
    category: q.category,
    segment: q.segment && q.value !== undefined ? { dimension: q.segment, value: q.value } : undefined,
    theme: q.theme,
    since: q.from ? parseSince(`${q.from}T00:00:00.000Z`, new Date()) : undefined,
    until: q.to ? dayAfter(q.to) : undefined,
    before: q.before,
    limit: PAGE_SIZE,
  };
}

export async function searchData(deps: DashboardDeps, query: ResponseSearchQuery): Promise<SearchData> {
  const responses = await deps.store.searchResponses(toSearch(query));
  return { query, responses, themes: deps.themes?.rules.themes.map((t) => t.name) ?? [], next: responses.length === PAGE_SIZE ? responses[responses.length - 1]!.id : null };
}

function Field(props: { name: string; label: string; value?: string | number; type?: string; inputmode?: 'numeric'; placeholder?: string }) {
  return (
    <label>
      {props.label}
      <input name={props.name} id={`f-${props.name}`} type={props.type ?? 'text'} value={props.value === undefined ? '' : String(props.value)} inputmode={props.inputmode} placeholder={props.placeholder} />
    </label>
  );
}

export function ResponsesPage(props: { data: SearchData; csrf: string }) {
  const { query: q, responses, themes, next } = props.data;
  const nextQuery = next ? new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])), before: next }) : null;
  return (
    <Layout title="Responses" section="responses" csrf={props.csrf}>
      <form method="get" action="/responses" class="search" role="search" aria-label="Find responses">
        <Field name="email" label="Email" type="search" value={q.email} placeholder="dana@example.com" />
        <Field name="text" label="Comment contains" type="search" value={q.text} />
        <Field name="minScore" label="Score from" type="number" inputmode="numeric" value={q.minScore} />
        <Field name="maxScore" label="Score to" type="number" inputmode="numeric" value={q.maxScore} />
        <label>
          Category
          <select name="category">
            <option value="">any</option>
            {Category.options.map((c) => (
              <option value={c} selected={q.category === c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Segment
          <select name="segment">
            <option value="">any</option>
            {ROLLED_UP_DIMENSIONS.map((d) => (
              <option value={d} selected={q.segment === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <Field name="value" label="Segment value" value={q.value} placeholder="enterprise" />
        <label>
          Theme
          <select name="theme">
            <option value="">any</option>
            {themes.map((t) => (
              <option value={t} selected={q.theme === t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <Field name="from" label="Received from" type="date" value={q.from} />
        <Field name="to" label="Received to" type="date" value={q.to} />
        <div class="actions">
          <button type="submit">Search</button> <a href="/responses">Clear</a>
        </div>
      </form>
      <section aria-labelledby="results">
        <h2 id="results">{responses.length ? `${responses.length}${next ? '+' : ''} responses, newest first` : 'No response matches'}</h2>
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Respondent</th>
                <th scope="col">Score</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {responses.map((r) => (
                <tr data-testid="response-row">
                  <td>
                    <a href={`/responses/${encodeURIComponent(r.id)}`}>{when(r.receivedAt)}</a>
                  </td>
                  <td>{r.respondent.email ?? <span class="muted">anonymous</span>}</td>
                  <td>
                    {r.score ?? '—'} <span class="muted">{r.category ?? ''}</span>
                  </td>
                  <td class="comment">{r.comment ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {nextQuery && (
          <p>
            <a href={`/responses?${nextQuery}`}>Older responses</a>
          </p>
        )}
      </section>
    </Layout>
  );
}
