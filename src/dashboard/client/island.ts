/**
 * The dashboard's only client code, bundled by esbuild into assets.generated.ts: the trend chart
 * (uPlot), the live verbatim feed and replay progress (polling JSON endpoints, which both runtimes
 * serve). Every page works without it, but for these live parts and the chart.
 */
import uPlot from 'uplot';

interface TrendPoint {
  start: string;
  value: number | null;
  low: number | null;
  high: number | null;
  responses: number;
}

document.documentElement.classList.add('js');

function trendChart(): void {
  const holder = document.getElementById('trend-chart');
  const data = document.getElementById('trend-data');
  if (!holder || !data?.textContent) return;
  const { points } = JSON.parse(data.textContent) as { points: TrendPoint[] };
  if (!points.length) return;
  const xs = points.map((p) => Date.parse(p.start) / 1000);
  const size = () => ({ width: Math.max(280, holder.clientWidth), height: holder.clientWidth < 500 ? 220 : 300 });
  const chart = new uPlot(
    {
      ...size(),
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.max(-100, Math.floor((min ?? 0) - 5)), Math.min(100, Math.ceil((max ?? 0) + 5))] } },
      series: [
        {},
        { label: 'NPS', stroke: '#0b5cad', width: 2, points: { show: true, size: 6 } },
        { label: '95 % low', stroke: '#6f93bd', dash: [4, 4], width: 1 },
        { label: '95 % high', stroke: '#6f93bd', dash: [4, 4], width: 1 },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(11, 92, 173, 0.15)' }],
      axes: [{}, { label: 'NPS' }],
    },
    [xs, points.map((p) => p.value), points.map((p) => p.low), points.map((p) => p.high)],
    holder,
  );
  holder.dataset.points = String(points.length);
  // The chart follows its box, not only the window: a phone turned, a panel opened, the page zoomed.
  let width = holder.clientWidth;
  new ResizeObserver(() => {
    if (holder.clientWidth === width) return; // its own height change, from setSize, is not a resize
    width = holder.clientWidth;
    chart.setSize(size());
  }).observe(holder);
  // The chart carries the figures now; the table stays one click away.
  document.querySelector('details.trend-table')?.removeAttribute('open');
}

/** Category mix bars: widths from the shares (no inline styles in the markup: the CSP forbids them). */
function mixBars(): void {
  for (const part of document.querySelectorAll<HTMLElement>('.mix-bar > span')) part.style.width = `${Number(part.dataset.share ?? 0)}%`;
}

interface Verbatim {
  id: string;
  receivedAt: string;
  score: number | null;
  category: string | null;
  comment: string;
  themes: string[] | null;
}

function verbatimItem(v: Verbatim): HTMLLIElement {
  const li = document.createElement('li');
  li.className = `verbatim cat-${v.category ?? 'none'} new`;
  li.dataset.id = v.id;
  li.dataset.testid = 'verbatim';
  li.setAttribute('data-testid', 'verbatim');
  const quote = document.createElement('blockquote');
  quote.textContent = v.comment;
  const meta = document.createElement('p');
  meta.className = 'meta';
  const link = document.createElement('a');
  link.href = `/responses/${encodeURIComponent(v.id)}`;
  link.textContent = `${v.score ?? '—'} · ${v.category ?? 'unscored'}`;
  meta.append(link, ` · ${v.receivedAt.slice(0, 10)} ${v.receivedAt.slice(11, 16)} UTC${v.themes?.length ? ` · ${v.themes.join(', ')}` : ''}`);
  li.append(quote, meta);
  return li;
}

function liveFeed(): void {
  const list = document.getElementById('verbatim-feed');
  const url = list?.dataset.feed;
  if (!list || !url) return;
  const poll = async () => {
    try {
      const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const { verbatims } = (await res.json()) as { verbatims: Verbatim[] };
      const shown = new Set([...list.querySelectorAll<HTMLElement>('li[data-id]')].map((li) => li.dataset.id));
      // Newest first: the new ones are those before the first already shown (older ones are not news).
      const known = verbatims.findIndex((v) => shown.has(v.id));
      const fresh = known === -1 ? verbatims : verbatims.slice(0, known);
      // Oldest first, each put on top: the newest ends up first.
      for (const v of fresh.reverse()) list.prepend(verbatimItem(v));
      while (list.children.length > 30) list.lastElementChild?.remove();
    } catch {
      // Offline for a moment: the next poll tries again.
    }
  };
  setInterval(poll, Number(list.dataset.interval ?? 3000));
}

function replayProgress(): void {
  const holder = document.getElementById('replay-progress');
  const url = holder?.dataset.progress;
  if (!holder || !url) return;
  const poll = async () => {
    try {
      const res = await fetch(url, { credentials: 'same-origin' });
      if (res.ok) {
        const p = (await res.json()) as { queued: number; running: number; text: string };
        holder.textContent = p.text;
        if (!(p.queued + p.running)) return;
      }
    } catch {
      // Try again below.
    }
    setTimeout(poll, 1000);
  };
  void poll();
}

function start(): void {
  mixBars();
  trendChart();
  liveFeed();
  replayProgress();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
