import { v7 } from 'uuid';

/**
 * Ids for stored rows (responses, jobs): UUIDv7, whose leading 48 bits are the time in ms. New
 * rows land at the right edge of every index keyed on an id (or on a key holding one, like a
 * job's `plan:<response>`), so a commit rewrites a few pages instead of one random page per
 * index per row: random v4 ids made ingest a third slower (docs/architecture.md "Durability and group commit").
 */
export function newId(): string {
  return v7({ rng: pooledRandom });
}

// uuid's default asks Web Crypto for 16 bytes per id (~3 µs); one call per 256 ids is enough.
const pool = new Uint8Array(4096);
let used = pool.length;
function pooledRandom(): Uint8Array {
  if (used === pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}
