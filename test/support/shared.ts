import { resolve } from 'node:path';

/**
 * `shared/specs` beside the repository (vendor API descriptions and sample webhook payloads),
 * wherever the clone lives: CI runs a fresh clone with `shared/` next to it. `CLOSELOOP_SPECS`
 * points elsewhere (a git worktree whose parent folder has no `shared/`).
 */
export const SPECS = process.env.CLOSELOOP_SPECS || resolve(import.meta.dirname, '../../../shared/specs');
