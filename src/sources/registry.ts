import type { SourceAdapter } from './source.js';
import { generic } from './generic.js';

/** Every survey source, by URL name. Adding one is one line here. */
export const SOURCES: ReadonlyMap<string, SourceAdapter> = new Map([generic].map((s) => [s.name, s]));
