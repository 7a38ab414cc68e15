import { resolve } from 'node:path';

/**
 * `shared/specs` beside the repository (vendor API descriptions and sample webhook payloads),
 * wherever the clone lives: CI runs a fresh clone with `shared/` next to it.
 */
export const SPECS = resolve(import.meta.dirname, '../../../shared/specs');
