import type { ChangeOut, FigureOut } from '../../insights/insights-report.js';
import { num, percent, signed } from './format.js';

/** A change, with whether it is significant, in words a reader can act on. */
export function ChangeText(props: { change: ChangeOut | null | undefined }) {
  const c = props.change;
  if (!c || c.delta === null) return <span class="muted">no earlier figure</span>;
  return (
    <span class={c.significant ? (c.delta > 0 ? 'up' : 'down') : 'muted'}>
      {signed(c.delta)} {c.significant ? `(significant, p = ${c.pValue})` : `(not significant${c.pValue === null ? '' : `, p = ${c.pValue}`})`}
    </span>
  );
}

/** The small-sample flag: the figure is shown, but is not to be ranked or trusted alone. */
export function LowSample(props: { figure: FigureOut }) {
  return props.figure.lowSample ? (
    <span class="flag" title="Fewer answers than the minimum sample: not ranked, changes never significant">
      small sample
    </span>
  ) : null;
}

/** Promoters, passives and detractors: counts and shares, as a bar and a list. */
export function CategoryMix(props: { figure: FigureOut }) {
  const { counts, shares } = props.figure;
  const parts = [
    { key: 'promoters', label: 'Promoters' },
    { key: 'passives', label: 'Passives' },
    { key: 'detractors', label: 'Detractors' },
  ];
  return (
    <div class="mix">
      <div class="mix-bar" aria-hidden="true">
        {parts.map((p) => (
          <span class={`mix-${p.key}`} data-share={String(shares[p.key] ?? 0)}></span>
        ))}
      </div>
      <ul class="mix-list">
        {parts.map((p) => (
          <li>
            <span class={`swatch mix-${p.key}`} aria-hidden="true"></span> {p.label}: {counts[p.key] ?? 0} ({percent(shares[p.key])})
          </li>
        ))}
      </ul>
    </div>
  );
}

export function FigureCell(props: { figure: FigureOut }) {
  const f = props.figure;
  return (
    <>
      {num(f.value)} <span class="muted">± {num(f.marginOfError)}</span>
    </>
  );
}
