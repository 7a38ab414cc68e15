/**
 * A short, stable tag derived from a job key, for remote objects that have no idempotency key
 * or external id (HubSpot and Salesforce tasks): the action writes it into the object and
 * looks for it before creating. `[cl-` + 12 hex digits of SHA-256(key) + `]` (48 bits: no
 * collision in practice). Web Crypto, so it runs on Workers too.
 */
export async function jobMarker(jobKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(jobKey)));
  const hex = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `[cl-${hex}]`;
}
