/**
 * Whether this code runs in workerd (Cloudflare Workers), where jsforce and the HubSpot SDK are
 * given fetch-based transports instead of their node-fetch ones (Node keeps node-fetch).
 */
export function runsOnWorkers(): boolean {
  return globalThis.navigator?.userAgent === 'Cloudflare-Workers';
}
