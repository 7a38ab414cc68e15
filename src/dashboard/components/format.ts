/** How the dashboard writes numbers and times: plainly, the same on every page. */

export function signed(n: number | null | undefined, decimals = 1): string {
  if (n === null || n === undefined) return '—';
  const text = n.toFixed(decimals);
  return n > 0 ? `+${text}` : text;
}

export function num(n: number | null | undefined, decimals = 1): string {
  return n === null || n === undefined ? '—' : n.toFixed(decimals);
}

export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${n.toFixed(1)} %`;
}

/** An ISO time as `2026-03-02 10:00 UTC` (the dashboard speaks UTC, as the API does). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Seconds as `3 h 12 min`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function hours(h: number | null | undefined): string {
  return h === null || h === undefined ? '—' : `${h.toFixed(1)} h`;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the tag. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
