import { HubError } from './errors.js';

/** How much structure a JSON value may have: nesting levels and entries (object keys plus array items). */
export interface JsonShapeLimits {
  /** Deepest nesting (the value itself is level 1). */
  depth: number;
  /** Object keys plus array items, counted over the whole value. */
  entries: number;
}

/**
 * What a webhook body may carry, checked right after `JSON.parse` and before a source reads it:
 * a survey response is a few levels and a few hundred entries. Past these, reading and storing a
 * legal 1 MiB body would hold the event loop for hundreds of milliseconds (95,000 keys), or a
 * 5,000-level body would overflow `JSON.stringify` when stored.
 */
export const BODY_LIMITS: JsonShapeLimits = { depth: 64, entries: 10_000 };

/** What a stored response's `extra` (the source's additional fields) may carry. */
export const EXTRA_LIMITS: JsonShapeLimits & {
  /** Size of `extra` as stored (JSON, UTF-16 code units ≈ bytes for ASCII). */
  bytes: number;
} = { depth: 16, entries: 2_000, bytes: 64 * 1024 };

/**
 * The first limit `value` exceeds, or undefined. Iterative (a stack, no recursion), and it stops
 * at the first excess, so a hostile value costs at most `entries` steps.
 */
export function jsonShapeExcess(value: unknown, limits: JsonShapeLimits): { limit: 'depth' | 'entries'; max: number } | undefined {
  let entries = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.depth) return { limit: 'depth', max: limits.depth };
    // Counted before the values are listed: a dictionary of 80,000 keys is refused at once.
    entries += Array.isArray(v) ? v.length : Object.keys(v).length;
    if (entries > limits.entries) return { limit: 'entries', max: limits.entries };
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * The first limit JSON text exceeds, read from its characters before `JSON.parse` builds anything
 * (which alone takes ~60 ms for a 1 MiB body of 80,000 keys, and cannot be told to stop early).
 * Not a parser: it tracks only strings (so brackets and commas inside them do not count), nesting,
 * and commas (each separates two entries); broken JSON is left for `JSON.parse` to reject.
 */
export function jsonTextExcess(text: string, limits: JsonShapeLimits): { limit: 'depth' | 'entries'; max: number } | undefined {
  let depth = 0;
  let commas = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.depth) return { limit: 'depth', max: limits.depth };
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && ++commas >= limits.entries) return { limit: 'entries', max: limits.entries };
  }
  return undefined;
}

/** A 422 (structure) or 413 (size) naming `field` (`(body)`, `extra`) and the limit it exceeds. */
export function assertJsonShape(value: unknown, limits: JsonShapeLimits & { bytes?: number }, field: string): void {
  refuseExcess(jsonShapeExcess(value, limits), field);
  if (limits.bytes !== undefined) {
    const size = JSON.stringify(value)?.length ?? 0;
    if (size > limits.bytes) {
      throw new HubError(413, 'too_large', `${field} is ${size} bytes as JSON, more than ${limits.bytes}`, [{ field, message: `is larger than ${limits.bytes} bytes as JSON (limit ${limits.bytes})` }]);
    }
  }
}

/** {@link assertJsonShape} for JSON text, before it is parsed. */
export function assertJsonTextShape(text: string, limits: JsonShapeLimits, field: string): void {
  refuseExcess(jsonTextExcess(text, limits), field);
}

function refuseExcess(excess: ReturnType<typeof jsonShapeExcess>, field: string): void {
  if (excess?.limit === 'depth') {
    throw new HubError(422, 'too_deep', `${field} is nested more than ${excess.max} levels deep`, [{ field, message: `is nested more than ${excess.max} levels deep (limit ${excess.max})` }]);
  }
  if (excess?.limit === 'entries') {
    throw new HubError(422, 'too_many_keys', `${field} has more than ${excess.max} keys and items`, [{ field, message: `has more than ${excess.max} keys and array items (limit ${excess.max})` }]);
  }
}
