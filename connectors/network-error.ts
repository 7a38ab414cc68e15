/**
 * A failed fetch in words: undici says only "fetch failed" and keeps the reason in `cause`
 * (ECONNREFUSED 127.0.0.1:9, ENOTFOUND api.example…), which is what an operator needs.
 */
export function describeNetworkError(error: unknown): string {
  const e = error as (Error & { cause?: { code?: string; message?: string } }) | undefined;
  const cause = e?.cause;
  const detail = cause?.code ?? cause?.message;
  return `${e?.message ?? String(error)}${detail && !e?.message?.includes(detail) ? ` (${detail})` : ''}`;
}
