import type { Verbatim } from '../../store/theme-tags.js';
import { when } from './format.js';

/** Comments, newest first; `live`: the island adds new ones at the top as they arrive. */
export function VerbatimList(props: { verbatims: readonly Verbatim[]; live?: boolean }) {
  return (
    <ul
      class="verbatims"
      id={props.live ? 'verbatim-feed' : undefined}
      data-feed={props.live ? '/feed.json' : undefined}
      aria-live={props.live ? 'polite' : undefined}
      aria-label="Verbatims, newest first"
    >
      {props.verbatims.map((v) => (
        <VerbatimItem verbatim={v} />
      ))}
    </ul>
  );
}

export function VerbatimItem(props: { verbatim: Verbatim }) {
  const v = props.verbatim;
  return (
    <li class={`verbatim cat-${v.category ?? 'none'}`} data-id={v.id} data-testid="verbatim">
      <blockquote>{v.comment}</blockquote>
      <p class="meta">
        <a href={`/responses/${encodeURIComponent(v.id)}`}>
          {v.score ?? '—'} · {v.category ?? 'unscored'}
        </a>{' '}
        · {when(v.receivedAt)}
        {v.themes?.length ? ` · ${v.themes.join(', ')}` : ''}
      </p>
    </li>
  );
}
