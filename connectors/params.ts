import { z } from 'zod';

/** An optional action parameter that a template may render as an empty string (treated as absent). */
export const Blankable = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
